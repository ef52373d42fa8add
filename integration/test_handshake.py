"""Handshake rejections (SPEC §3): exact status, Connection: close, and a backend that saw nothing."""
import time

import pytest

import wsedge_harness as h


def reject(px, backend, data, status, reason=None):
    """Send data, expect a complete small response with status; the backend must see nothing."""
    got, headers, body = h.raw_exchange(px.address, data)
    assert got == status, f"expected {status}, got {got} {headers}"
    assert any("close" in v.lower() for v in headers.get("connection", [])), headers
    time.sleep(0.2)  # a backend connection, if wrongly opened, would show up by now
    assert backend.saw_nothing(), backend.records()
    return headers, body


def req(lines):
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def good_lines(path="/", host="127.0.0.1"):
    return [f"GET {path} HTTP/1.1", f"Host: {host}", "Upgrade: websocket", "Connection: Upgrade",
            f"Sec-WebSocket-Key: {h.ws_key()}", "Sec-WebSocket-Version: 13"]


def test_bad_syntax_400(echo_proxy):
    env, px, b = echo_proxy
    reject(px, b, b"GET / HTTP/1.1\r\nHost 127.0.0.1\r\nthis is not a header\r\n\r\n", 400)


def test_bad_request_line_400(echo_proxy):
    env, px, b = echo_proxy
    reject(px, b, b"GET  / HTTP/1.1 extra\r\nHost: x\r\n\r\n", 400)


def test_duplicate_host_400(echo_proxy):
    env, px, b = echo_proxy
    reject(px, b, req(good_lines() + ["Host: evil.example"]), 400)


def test_content_length_and_transfer_encoding_400(echo_proxy):
    env, px, b = echo_proxy
    reject(px, b, req(good_lines() + ["Content-Length: 0", "Transfer-Encoding: chunked"]), 400)


def test_obs_fold_400(echo_proxy):
    env, px, b = echo_proxy
    reject(px, b, req(good_lines() + ["X-Long: first", " folded continuation"]), 400)


def test_no_route_404(env):
    b = env.echo_backend()
    px = env.proxy([b], routes=[{"host": "example.com", "path_prefix": "/ws", "pool": "echo"}])
    reject(px, b, req(good_lines("/ws", host="other.example")), 404)
    reject(px, b, req(good_lines("/elsewhere", host="example.com")), 404)
    # and the route itself works
    c = h.RawConn(px.address)
    try:
        c.send(req(good_lines("/ws/room", host="example.com")))
        assert c.read_head()[0] == 101
    finally:
        c.close()


def test_plain_get_426(echo_proxy):
    env, px, b = echo_proxy
    reject(px, b, b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 426)


def test_version_8_426_with_version_header(echo_proxy):
    env, px, b = echo_proxy
    lines = [l for l in good_lines() if not l.startswith("Sec-WebSocket-Version")]
    headers, _ = reject(px, b, req(lines + ["Sec-WebSocket-Version: 8"]), 426)
    assert headers.get("sec-websocket-version") == ["13"]


@pytest.mark.parametrize("key", ["abc", "AAAAAAAAAAAAAAAAAAAAAAAAAAAA", "not base64 at all!!!!!=="])
def test_bad_key_400(echo_proxy, key):
    env, px, b = echo_proxy
    lines = [l for l in good_lines() if not l.startswith("Sec-WebSocket-Key")]
    reject(px, b, req(lines + [f"Sec-WebSocket-Key: {key}"]), 400)


def test_missing_upgrade_header_400(echo_proxy):
    env, px, b = echo_proxy
    lines = [l for l in good_lines() if not l.startswith("Connection")] + ["Connection: keep-alive"]
    # Upgrade: websocket without Connection: upgrade is a broken upgrade, not a plain request
    got, _, _ = h.raw_exchange(px.address, req(lines))
    assert got in (400, 426)
    assert b.saw_nothing()


def test_post_upgrade_400(echo_proxy):
    env, px, b = echo_proxy
    lines = good_lines()
    lines[0] = "POST / HTTP/1.1"
    reject(px, b, req(lines), 400)


def test_head_over_limit_431(env):
    b = env.echo_backend()
    px = env.proxy([b], limits={"max_request_head": "4KiB"})
    reject(px, b, req(good_lines() + [f"X-Pad-{i}: {'p' * 100}" for i in range(60)]), 431)


def test_request_line_too_long_414(env):
    b = env.echo_backend()
    px = env.proxy([b], limits={"max_request_head": "4KiB"})
    reject(px, b, req(good_lines("/" + "a" * 6000)), 414)


def test_forwarded_headers_seen_by_backend(echo_proxy):
    env, px, b = echo_proxy
    c = h.RawConn(px.address)
    try:
        c.send(req(good_lines("/fwd", host="chat.example.com")))
        assert c.read_head()[0] == 101
        c.send(h.encode_frame(0x8, h.close_payload(1000)))
        c.recv_close()
    finally:
        c.close()
    rec = b.wait_record(lambda r: r["event"] == "request")[0]
    hdrs = {}
    for k, v in rec["headers"]:
        hdrs.setdefault(k.lower(), []).append(v)
    assert rec["path"] == "/fwd"
    assert hdrs["x-forwarded-for"][-1].split(",")[-1].strip() == "127.0.0.1"
    assert hdrs["x-forwarded-proto"] == ["http"]
    assert hdrs["x-forwarded-host"] == ["chat.example.com"]
    fwd = ",".join(hdrs["forwarded"]).lower()
    assert "for=127.0.0.1" in fwd or 'for="127.0.0.1' in fwd
    assert "proto=http" in fwd
    assert "host=chat.example.com" in fwd or 'host="chat.example.com"' in fwd
    assert hdrs["host"] == ["chat.example.com"]


def test_hop_by_hop_headers_not_forwarded(echo_proxy):
    env, px, b = echo_proxy
    lines = [l for l in good_lines("/hop") if not l.startswith("Connection")]
    lines += ["Connection: upgrade, X-Secret", "X-Secret: 1", "Keep-Alive: timeout=5",
              "X-Kept: yes"]
    c = h.RawConn(px.address)
    try:
        c.send(req(lines))
        assert c.read_head()[0] == 101
        c.send(h.encode_frame(0x8, h.close_payload(1000)))
        c.recv_close()
    finally:
        c.close()
    rec = b.wait_record(lambda r: r["event"] == "request")[0]
    names = [k.lower() for k, _ in rec["headers"]]
    assert "x-secret" not in names
    assert "keep-alive" not in names
    assert "x-kept" in names
    conn = [v.lower() for k, v in rec["headers"] if k.lower() == "connection"]
    assert conn and all("x-secret" not in v for v in conn) and any("upgrade" in v for v in conn)


def test_slow_request_head_408(env):
    b = env.echo_backend()
    px = env.proxy([b], timeouts={"handshake": "1s"})
    c = h.RawConn(px.address, timeout=10)
    try:
        t0 = time.monotonic()
        c.send(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # and never the rest
        status, headers, _ = c.read_head()
        took = time.monotonic() - t0
    finally:
        c.close()
    assert status == 408
    assert 0.8 <= took < 5, took
    assert b.saw_nothing()


def test_global_connection_cap_503(env):
    b = env.echo_backend()
    px = env.proxy([b], global_={"max_connections": 2, "workers": 2})
    held = []
    try:
        for i in range(2):
            c = h.RawConn(px.address)
            held.append(c)
            assert c.handshake(f"/held{i}")[0] == 101
        got, _, _ = h.raw_exchange(px.address, h.upgrade_request("/third"))
        assert got == 503
        assert len(b.records("request")) == 2
    finally:
        for c in held:
            c.send(h.encode_frame(0x8, h.close_payload(1000)))
            c.recv_close()
            c.close()
    # room again once they are gone
    def upgraded():
        c = h.RawConn(px.address)
        try:
            return c.handshake("/again")[0] == 101
        finally:
            c.close()
    h.wait_until(upgraded, 5, interval=0.2, what="a free slot")


@pytest.mark.parametrize("data,status,reason", [
    (b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "bad_request"),
    (b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 426, None),
])
def test_rejection_access_line(echo_proxy, data, status, reason):
    env, px, b = echo_proxy
    assert h.raw_exchange(px.address, data)[0] == status
    a = px.wait_access(lambda a: a.get("status") == status)[0]
    assert a["reject_reason"], a
    if reason:
        assert a["reject_reason"] == reason, a
    assert a.get("server") in (None, ""), a
