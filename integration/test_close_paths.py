"""How sessions end when a peer ends early, half-way or never: one test per
close-path bug fixed in b826a25 (and 8cbf080 for the last one), each written to
fail on the code before its fix."""
import socket
import time

import wsedge_harness as h

CHUNKED_403 = (b"HTTP/1.1 403 Forbidden\r\nTransfer-Encoding: chunked\r\n"
               b"Connection: keep-alive\r\n\r\n5\r\nhello\r\n0\r\n\r\n")


def scripted_backend(env, mode):
    """peers/scripted_server.py in one of its modes (chunked403, close_half, sink)."""
    port = h.free_port()
    return env._peer(mode, [h.PYTHON, str(h.PEERS / "scripted_server.py"), "--port", str(port),
                            "--mode", mode], port, mode)


def read_for(conn, seconds):
    """Everything the proxy sends within `seconds`, and whether it closed by then."""
    deadline = time.monotonic() + seconds
    data = b""
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return data, False
        conn.sock.settimeout(left)
        try:
            chunk = conn.sock.recv(65536)
        except socket.timeout:
            return data, False
        except ConnectionResetError:
            return data, True
        if not chunk:
            return data, True
        data += chunk


def test_non_101_without_length_is_passed_through_alone(env):
    # The backend's 403 has a chunked body and keeps the connection open, so
    # the body never "ends" by EOF: when upstream_handshake expires the proxy
    # must end the session, not append a 504 to an answer already sent.
    b = scripted_backend(env, "chunked403")
    px = env.proxy([b], global_={"workers": 1}, timeouts={"upstream_handshake": "1s"})
    c = h.RawConn(px.address)
    try:
        c.send(h.upgrade_request("/forbidden"))
        data, _ = read_for(c, 2.5)
    finally:
        c.close()
    assert b"HTTP/1.1 504" not in data, data
    assert data == CHUNKED_403, data
    a = px.wait_access(lambda a: a.get("path") == "/forbidden")[0]
    assert a["status"] == 403, a


def test_client_gone_mid_frame_ends_backend_promptly(env):
    # Half of a 100 KB frame, then the client's socket closes: that frame can
    # never be completed, so nothing may wait for it (the 3 s linger).
    b = scripted_backend(env, "sink")
    px = env.proxy([b], global_={"workers": 1})
    c = h.RawConn(px.address)
    try:
        status, _ = c.handshake("/midframe")
        assert status == 101
        frame = h.encode_frame(0x2, b"x" * 100_000)
        c.send(frame[:50_000])
        b.wait_record(lambda r: r.get("event") == "bytes", what="first relayed bytes")
        time.sleep(0.2)
    finally:
        closed_at = time.time()
        c.close()
    eof = b.wait_record(lambda r: r.get("event") == "eof", timeout=5, what="backend EOF")[0]
    assert eof["t"] - closed_at < 1.5, f"backend saw EOF {eof['t'] - closed_at:.2f}s after the client left"
    a = px.wait_access(lambda a: a.get("path") == "/midframe")[0]
    assert a["closed_by"] == "client", a


def test_server_close_then_half_close_keeps_its_code(env):
    # close 1000 followed by the backend's FIN is a normal end by the server,
    # not a vanished upstream (1014 / upstream_gone).
    b = scripted_backend(env, "close_half")
    px = env.proxy([b], global_={"workers": 1})
    c = h.RawConn(px.address)
    try:
        status, _ = c.handshake("/srvclose")
        assert status == 101
        code, _ = c.recv_close()
        assert code == 1000
        c.send(h.encode_frame(0x8, h.close_payload(1000)))
        _, closed = read_for(c, 4)
        assert closed, "proxy never closed the client connection"
    finally:
        c.close()
    a = px.wait_access(lambda a: a.get("path") == "/srvclose")[0]
    assert a["close_code"] == 1000 and a["closed_by"] == "server", a


def test_unanswered_client_close_ends_session(env):
    # The backend swallows the client's close and never answers: the proxy
    # gives it 5 s, then closes both ends within the 3 s linger.
    b = scripted_backend(env, "sink")
    px = env.proxy([b], global_={"workers": 1})
    c = h.RawConn(px.address)
    try:
        status, _ = c.handshake("/oneway")
        assert status == 101
        c.send(h.encode_frame(0x8, h.close_payload(4001, "bye")))
        sent_at = time.monotonic()
        _, closed = read_for(c, 10)
        waited = time.monotonic() - sent_at
    finally:
        c.close()
    assert closed, "client connection still open 10 s after its close frame"
    assert waited > 4, f"closed after {waited:.2f}s: the backend had no time to answer"
    a = px.wait_access(lambda a: a.get("path") == "/oneway")[0]
    assert a["close_code"] == 4001 and a["closed_by"] == "client", a


def test_client_fin_after_non_101_ends_session_before_linger(env):
    # Regression (8cbf080): after relaying a backend's non-101 answer the
    # proxy no longer read the client, so the client's FIN went unseen and
    # only the 3 s linger ended the session. The bound below is generous
    # (half the linger): the alternative is that timer.
    b = env.echo_backend()
    px = env.proxy([b], global_={"workers": 1})
    c = h.RawConn(px.address)
    try:
        c.send(h.upgrade_request("/_status/403"))
        status, headers, _ = c.read_head()
        body = c.read_until_close()  # the proxy shuts its side after the body
    finally:
        c.close()
        closed_at = time.monotonic()
    assert status == 403, (status, headers)
    assert headers["content-length"] == [str(len(body))] and body == b"denied by backend\n", body
    assert headers["x-backend"] == ["echo"]
    a = px.wait_access(lambda a: a.get("path") == "/_status/403", timeout=5)[0]
    waited = time.monotonic() - closed_at
    assert waited < 1.5, f"access line {waited:.2f}s after the client's FIN (the linger is 3 s)"
    assert a["status"] == 403 and a["closed_by"] == "server", a
