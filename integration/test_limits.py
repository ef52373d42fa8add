"""Frame and message limits and protocol violations after the upgrade (SPEC §4)."""
import pytest
import websockets

import wsedge_harness as h

SMALL = {"max_frame": "64KiB", "max_message": "128KiB"}


async def expect_close(url, send):
    async with websockets.connect(url, ping_interval=None, max_size=None) as ws:
        await ws.send(send)
        with pytest.raises(websockets.ConnectionClosed) as ei:
            await ws.recv()
        return ei.value.code


def backend_close_code(b):
    return b.wait_record(lambda r: r["event"] == "close", timeout=5)[0]["code"]


def test_frame_at_limit_passes(env):
    b = env.echo_backend()
    px = env.proxy([b], limits=SMALL)

    async def body():
        async with websockets.connect(px.url("/ok"), ping_interval=None, max_size=None) as ws:
            await ws.send(b"a" * 65536)
            return len(await ws.recv())
    assert h.run(body()) == 65536


def test_oversized_frame_1009_backend_1001(env):
    b = env.echo_backend()
    px = env.proxy([b], limits=SMALL)
    assert h.run(expect_close(px.url("/bigframe"), b"x" * (65536 + 1))) == 1009
    assert backend_close_code(b) == 1001
    assert not b.records("message")


def test_oversized_message_1009_backend_1001(env):
    b = env.echo_backend()
    px = env.proxy([b], limits=SMALL)
    # three fragments, each under max_frame, together over max_message
    frags = [b"a" * 60000, b"b" * 60000, b"c" * 60000]
    assert h.run(expect_close(px.url("/bigmsg"), frags)) == 1009
    assert backend_close_code(b) == 1001
    assert not b.records("message")


def test_unmasked_client_frame_1002(echo_proxy):
    env, px, b = echo_proxy
    c = h.RawConn(px.address)
    try:
        assert c.handshake("/unmasked")[0] == 101
        c.send(h.encode_frame(0x1, b"naked", mask=False))
        assert c.recv_close()[0] == 1002
    finally:
        c.close()
    assert backend_close_code(b) == 1001


@pytest.mark.parametrize("frame", [
    h.encode_frame(0x3, b"x"),                        # unknown opcode
    h.encode_frame(0x1, b"x", rsv=0x4),               # RSV1 without an extension
    h.encode_frame(0x9, b"p", fin=False),             # fragmented control frame
    h.encode_frame(0x9, b"p" * 126),                  # control frame over 125 bytes
], ids=["opcode", "rsv1", "fragmented-ping", "long-ping"])
def test_protocol_violations_1002(echo_proxy, frame):
    env, px, b = echo_proxy
    c = h.RawConn(px.address)
    try:
        assert c.handshake("/violation")[0] == 101
        c.send(frame)
        assert c.recv_close()[0] == 1002
    finally:
        c.close()
    assert backend_close_code(b) == 1001
