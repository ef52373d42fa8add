"""Backends: failover before the 101, timeouts, non-101 answers, balancing (SPEC §3.7, §5)."""
import asyncio
import time

import websockets

import wsedge_harness as h


def test_no_backend_up_502(env):
    px = env.proxy([env.dead_address(), env.dead_address()])
    got, _, _ = h.raw_exchange(px.address, h.upgrade_request("/dead"))
    assert got == 502
    a = px.wait_access(lambda a: a.get("path") == "/dead")[0]
    assert a.get("status") == 502


def test_both_servers_tried_then_502(env):
    r1, r2 = env.raw_backend("reset"), env.raw_backend("reset")
    px = env.proxy([r1, r2])
    got, _, _ = h.raw_exchange(px.address, h.upgrade_request("/reset"))
    assert got == 502
    # retried once on the other server: each saw exactly one connection
    assert len(r1.records("tcp")) == 1 and len(r2.records("tcp")) == 1, \
        (r1.records("tcp"), r2.records("tcp"))


def test_one_dead_one_alive_succeeds(env):
    b = env.echo_backend()
    px = env.proxy([env.dead_address(), b])
    for i in range(4):  # round robin starts on the dead server at least once
        c = h.RawConn(px.address)
        try:
            c.send(h.upgrade_request(f"/alive{i}"))
            assert c.read_head()[0] == 101
            c.send(h.encode_frame(0x1, b"ping"))
            assert c.recv_frame()[2] == b"ping"
            c.send(h.encode_frame(0x8, h.close_payload(1000)))
            c.recv_close()
        finally:
            c.close()
    assert len(b.records("request")) == 4


def test_silent_backend_504(env):
    s = env.raw_backend("silent")
    px = env.proxy([s], timeouts={"upstream_handshake": "1s"})
    t0 = time.monotonic()
    got, _, _ = h.raw_exchange(px.address, h.upgrade_request("/silent"), timeout=10)
    took = time.monotonic() - t0
    assert got == 504
    assert 0.8 <= took < 5, took
    assert s.records("tcp"), "the silent backend was never contacted"


def test_backend_non_101_relayed_unchanged(echo_proxy):
    env, px, b = echo_proxy
    got, headers, body = h.raw_exchange(px.address, h.upgrade_request("/_status/403"))
    assert got == 403
    assert headers.get("x-backend") == ["echo"]
    assert body == b"denied by backend\n"


def test_round_robin_spreads_over_python_and_node(env, node_available):
    py, node = env.echo_backend(), env.node_backend()
    px = env.proxy([py, node])

    async def one(i):
        async with websockets.connect(px.url(f"/rr{i}"), ping_interval=None) as ws:
            await ws.send(f"m{i}")
            assert await ws.recv() == f"m{i}"

    async def body():
        for i in range(6):
            await one(i)
    h.run(body())
    assert len(py.records("request")) == 3 and len(node.records("request")) == 3


def test_least_conn_prefers_idle_server(env):
    b1, b2 = env.echo_backend(), env.echo_backend()
    px = env.proxy([b1, b2], balance="least_conn")

    def server_of(path):
        return [b for b in (b1, b2) if any(r["path"] == path for r in b.records("request"))]

    async def body():
        a = await websockets.connect(px.url("/held-a"), ping_interval=None)
        c = await websockets.connect(px.url("/held-c"), ping_interval=None)
        assert server_of("/held-a") != server_of("/held-c"), "least_conn put both on one server"
        await a.close()
        await asyncio.sleep(0.3)
        for i in range(3):  # each new one lands where /held-a was, then closes
            ws = await websockets.connect(px.url(f"/lc{i}"), ping_interval=None)
            assert server_of(f"/lc{i}") == server_of("/held-a")
            await ws.close()
            await asyncio.sleep(0.2)
        await c.close()
    h.run(body())


def test_no_route_reason_in_access_log(env):
    b = env.echo_backend()
    px = env.proxy([b], routes=[{"path_prefix": "/ws", "pool": "echo"}])
    assert h.raw_exchange(px.address, h.upgrade_request("/other"))[0] == 404
    a = px.wait_access(lambda a: a.get("status") == 404)[0]
    assert a["reject_reason"] == "no_route", a


def test_upstream_failure_reason_in_access_log(env):
    px = env.proxy([env.dead_address()])
    assert h.raw_exchange(px.address, h.upgrade_request("/gone"))[0] == 502
    a = px.wait_access(lambda a: a.get("status") == 502)[0]
    assert a["reject_reason"] == "upstream_error", a
    assert a["pool"] == "echo", a
