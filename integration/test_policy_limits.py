"""Edge policy end to end: per-IP and global admission (SPEC §3 step 3), the
per-connection rate limit (§4), the slowloris guard and the PROXY protocol."""
import socket
import struct
import time

import wsedge_harness as h


def start(env, backend, limits=None, global_=None, timeouts=None, proxy_protocol=False):
    port = h.free_port()
    text = h.render_config(port, {"echo": {"servers": [backend.address]}}, None,
                           global_, timeouts, limits)
    if proxy_protocol:
        addr = f'address = "127.0.0.1:{port}"\n'
        text = text.replace(addr, addr + "proxy_protocol = true\n", 1)
    return env.start_proxy(env.write_config(text, f"wsedge.{port}.toml"), port)


def connect_from(px, source_ip):
    """A RawConn whose source address is source_ip (any 127.0.0.0/8 address works)."""
    c = h.RawConn.__new__(h.RawConn)
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(5)
    s.bind((source_ip, 0))
    s.connect(px.address)
    c.sock, c.buf = s, b""
    return c


def attempt(px, path="/", prefix=b"", source=None):
    """(status, headers) of one upgrade on a fresh connection, then closed."""
    c = connect_from(px, source) if source else h.RawConn(px.address)
    try:
        c.send(prefix + h.upgrade_request(path))
        status, headers, _ = c.read_head()
        return status, headers
    finally:
        c.close()


def proxy_v1(src, sport=40000):
    return f"PROXY TCP4 {src} 127.0.0.1 {sport} 80\r\n".encode()


def proxy_v2(src, sport=40000):
    sig = b"\r\n\r\n\x00\r\nQUIT\n"
    addrs = socket.inet_aton(src) + socket.inet_aton("127.0.0.1") + struct.pack("!HH", sport, 80)
    return sig + bytes([0x21, 0x11]) + struct.pack("!H", len(addrs)) + addrs


# ------------------------------------------------------------------ per IP and global

def test_handshake_rate_429_with_retry_after(env):
    b = env.echo_backend()
    px = start(env, b, limits={"per_ip_handshakes_per_second": 1, "per_ip_handshakes_burst": 2})
    assert attempt(px, "/1")[0] == 101
    assert attempt(px, "/2")[0] == 101
    status, headers = attempt(px, "/3")
    assert status == 429
    assert int(headers["retry-after"][0]) >= 1
    a = px.wait_access(lambda a: a.get("status") == 429)[0]
    assert a["reject_reason"] == "rate_limited" and a["path"] == "/3"
    assert [r["path"] for r in b.records("request")] == ["/1", "/2"]
    # Another source address has its own bucket.
    assert attempt(px, "/other", source="127.0.0.9")[0] == 101
    time.sleep(1.1)
    assert attempt(px, "/later")[0] == 101


def test_per_ip_connections_429_and_global_cap_503(env):
    b = env.echo_backend()
    px = start(env, b, limits={"per_ip_connections": 2}, global_={"max_connections": 3})
    held = []
    try:
        for i in range(2):
            c = h.RawConn(px.address)
            held.append(c)
            assert c.handshake(f"/held{i}")[0] == 101
        assert attempt(px, "/third")[0] == 429
        a = px.wait_access(lambda a: a.get("status") == 429)[0]
        assert a["reject_reason"] == "too_many_connections"
        c = connect_from(px, "127.0.0.7")
        held.append(c)
        assert c.handshake("/from7")[0] == 101
        assert attempt(px, "/over", source="127.0.0.8")[0] == 503
        a = px.wait_access(lambda a: a.get("status") == 503)[0]
        assert a["reject_reason"] == "overloaded"
    finally:
        for c in held:
            c.close()
    # Slots come back when the connections end.
    h.wait_until(lambda: attempt(px, "/again")[0] == 101, 5, interval=0.2, what="a free slot")


def test_idle_ip_state_is_evicted_under_a_spoofed_source_flood(env):
    b = env.echo_backend()
    px = start(env, b, limits={"per_ip_handshakes_per_second": 1, "per_ip_handshakes_burst": 1,
                               "per_ip_max_entries": 32})
    rss0 = px.rss_kib()
    assert attempt(px, "/a1", source="127.0.0.2")[0] == 101
    assert attempt(px, "/a2", source="127.0.0.2")[0] == 429
    # 400 other sources: each is admitted once and then evicted (LRU) for the next.
    for i in range(400):
        assert attempt(px, f"/f{i}", source=f"127.3.{i // 200}.{i % 200 + 1}")[0] == 101
    # 127.0.0.2's empty bucket was forgotten with the rest: it starts full again.
    assert attempt(px, "/a3", source="127.0.0.2")[0] == 101
    # ASan's quarantine keeps freed memory: a looser bound there.
    assert px.rss_kib() - rss0 < (64 if h.sanitized() else 8) * 1024


# ------------------------------------------------------------------ per connection

def flood(px, n, path):
    """Send n text messages at once; return (echo arrival times, close code or None)."""
    c = h.RawConn(px.address, timeout=10)
    times, code = [], None
    try:
        assert c.handshake(path)[0] == 101
        c.send(b"".join(h.encode_frame(0x1, f"m{i:04d}".encode()) for i in range(n)))
        while len(times) < n:
            fin, op, payload = c.recv_frame()
            if op == 0x8:
                code = struct.unpack("!H", payload[:2])[0]
                break
            assert payload == f"m{len(times):04d}".encode()  # in order, none lost
            times.append(time.monotonic())
    finally:
        c.close()
    return times, code


def test_throttle_holds_the_client_to_its_rate(env):
    b = env.echo_backend()
    rate, burst, n = 40, 5, 125
    px = start(env, b, limits={"client_messages_per_second": rate,
                               "client_messages_burst": burst})
    times, code = flood(px, n, "/throttled")
    assert code is None and len(times) == n
    measured = (n - burst) / (times[-1] - times[burst - 1])
    assert abs(measured - rate) / rate < 0.10, measured
    h.wait_until(lambda: len(b.records("message")) == n, 5, what="every message at the backend")


def test_close_mode_sends_1008_and_1001(env):
    b = env.echo_backend()
    px = start(env, b, limits={"client_messages_per_second": 10, "client_messages_burst": 5,
                               "on_rate_exceeded": "close"})
    times, code = flood(px, 50, "/closed")
    assert code == 1008
    assert len(times) <= 5  # the burst went through; echoes may still be in flight
    rec = b.wait_record(lambda r: r.get("event") == "close" and r["path"] == "/closed")
    assert rec[0]["code"] == 1001
    a = px.wait_access(lambda a: a.get("path") == "/closed")[0]
    assert a["closed_by"] == "proxy:message_rate" and a["close_code"] == 1008


def test_byte_rate_throttles(env):
    b = env.echo_backend()
    px = start(env, b, limits={"client_bytes_per_second": 64 * 1024})
    c = h.RawConn(px.address, timeout=10)
    try:
        assert c.handshake("/bytes")[0] == 101
        t0 = time.monotonic()
        chunk = b"x" * 16384
        c.send(b"".join(h.encode_frame(0x2, chunk) for _ in range(16)))  # 256 KiB
        got = 0
        while got < 16:
            assert c.recv_frame()[2] == chunk
            got += 1
        took = time.monotonic() - t0
    finally:
        c.close()
    # 64 KiB up front (one second's worth), then 192 KiB at 64 KiB/s: about 3 s.
    assert 2.5 < took < 3.6, took


# ------------------------------------------------------------------ slowloris

def test_trickling_clients_do_not_block_a_normal_one(env):
    b = env.echo_backend()
    px = start(env, b, timeouts={"handshake": "2s"})
    slow = []
    try:
        for i in range(500):
            c = h.RawConn(px.address, timeout=10)
            c.send(f"GET /slow{i} HTTP/1.1\r\nHost: 127.0.0.1\r\n".encode())
            slow.append(c)
        t0 = time.monotonic()
        assert attempt(px, "/normal")[0] == 101
        assert time.monotonic() - t0 < 1.0
        slow[0].send(b"X-Trickle: 1\r\n")
        assert slow[0].read_head()[0] == 408
    finally:
        for c in slow:
            c.close()
    assert [r["path"] for r in b.records("request")] == ["/normal"]


# ------------------------------------------------------------------ PROXY protocol

def test_proxy_protocol_v1_and_v2_carry_the_client_address(env):
    b = env.echo_backend()
    px = start(env, b, proxy_protocol=True, limits={"per_ip_connections": 1})
    held = []
    try:
        for prefix, ip, path in [(proxy_v1("203.0.113.7", 1234), "203.0.113.7", "/v1"),
                                 (proxy_v2("198.51.100.9", 4321), "198.51.100.9", "/v2")]:
            c = h.RawConn(px.address)
            held.append(c)
            c.send(prefix + h.upgrade_request(path))
            assert c.read_head()[0] == 101
            hdrs = b.wait_record(lambda r: r.get("event") == "request" and r["path"] == path)
            xff = [v for k, v in hdrs[0]["headers"] if k.lower() == "x-forwarded-for"]
            assert xff == [ip]
        # The limit is keyed on the carried address, not on 127.0.0.1.
        assert attempt(px, "/again-v1", proxy_v1("203.0.113.7"))[0] == 429
        assert attempt(px, "/again-v2", proxy_v2("198.51.100.9"))[0] == 429
        assert attempt(px, "/fresh", proxy_v2("198.51.100.10"))[0] == 101
    finally:
        for c in held:
            c.close()
    lines = px.wait_access(lambda a: a.get("path") in ("/v1", "/v2"), count=2)
    assert sorted(a["client"] for a in lines) == ["198.51.100.9:4321", "203.0.113.7:1234"]


def test_proxy_protocol_listener_closes_without_a_valid_header(env):
    b = env.echo_backend()
    px = start(env, b, proxy_protocol=True)
    for data in [h.upgrade_request("/plain"), b"PROXY TCP4 999.1.1.1 127.0.0.1 1 2\r\n"]:
        c = h.RawConn(px.address)
        try:
            c.send(data)
            assert c.read_until_close() == b""  # closed, no HTTP answer
        finally:
            c.close()
    lines = px.wait_access(lambda a: a.get("reject_reason") == "proxy_protocol", count=2)
    assert all(a["status"] == 0 for a in lines)
    assert b.saw_nothing()
