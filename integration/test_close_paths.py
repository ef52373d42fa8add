"""How sessions end when a peer ends early, half-way or never: one test per
close-path bug fixed in b826a25 (and 8cbf080 for the last two), each written to
fail on the code before its fix."""
import base64
import hashlib
import signal
import socket
import struct
import threading
import time

import wsedge_harness as h

WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

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


class PartialFrameBackend:
    """One-shot raw backend: answers the upgrade by hand, then sends the header
    of a binary frame announcing `announced` payload bytes and only `sent` of
    them. The test drives the accepted socket (`conn`) from then on."""

    def __init__(self, announced, sent):
        self.head = struct.pack("!BBQ", 0x82, 127, announced)
        self.payload = b"p" * sent
        self.lsock = socket.create_server(("127.0.0.1", 0))
        self.lsock.settimeout(10)
        self.address = "127.0.0.1:%d" % self.lsock.getsockname()[1]
        self.conn = None
        self.error = None
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        try:
            conn, _ = self.lsock.accept()
            conn.settimeout(10)
            self.conn = conn
            req = b""
            while b"\r\n\r\n" not in req:
                chunk = conn.recv(4096)
                if not chunk:
                    raise EOFError("proxy closed before its request head")
                req += chunk
            key = next(line.split(b":", 1)[1].strip() for line in req.split(b"\r\n")
                       if line.lower().startswith(b"sec-websocket-key:"))
            accept = base64.b64encode(hashlib.sha1(key + WS_GUID).digest())
            conn.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                         b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept + b"\r\n\r\n")
            conn.sendall(self.head + self.payload)
        except Exception as e:  # reported by the test through self.error
            self.error = e
        finally:
            self.ready.set()

    def recv_exact(self, n):
        data = b""
        while len(data) < n:
            chunk = self.conn.recv(n - len(data))
            if not chunk:
                raise EOFError(f"proxy closed after {data!r}")
            data += chunk
        return data

    def close(self):
        for s in (self.conn, self.lsock):
            if s is not None:
                try:
                    s.close()
                except OSError:
                    pass
        self.thread.join(5)


def test_drain_close_behind_frame_from_gone_backend_does_not_hold_client_fin(env):
    # Regression (8cbf080): on drain (SIGTERM) the proxy owes the client a close
    # 1001, but the client's stream is in the middle of a 100,000-byte frame
    # from the backend, so the close waits for that frame's end
    # (Flow::pendingClose). When the backend then leaves, the frame can never
    # be completed: the client must get our FIN at once, with no close frame
    # after the partial frame. Before the fix the pending close blocked the
    # half-close and the client saw EOF only when the 3 s linger ended the
    # session (about 2.9 s after the backend left).
    b = PartialFrameBackend(announced=100_000, sent=1_000)
    expected = b.head + b.payload
    c = None
    try:
        px = env.proxy([b.address], global_={"workers": 1})
        c = h.RawConn(px.address)
        status, _ = c.handshake("/drainmid")
        assert status == 101
        assert b.ready.wait(5) and b.error is None, b.error
        while len(c.buf) < len(expected):
            c._fill()
        assert c.buf == expected, c.buf[:32]

        px.proc.send_signal(signal.SIGTERM)
        # The backend is between frames: it gets close 1001 (and our FIN) now.
        fr = b.recv_exact(8)  # close frame: 2-byte header, mask key, 2-byte code
        assert fr[0] == 0x88 and fr[1] == 0x82, fr
        assert struct.unpack("!H", h.mask_bytes(fr[6:8], fr[2:6]))[0] == 1001, fr
        # The client's close waits for the frame boundary: nothing yet, no EOF.
        more, closed = read_for(c, 0.3)
        assert more == b"" and not closed, (
            f"the drain close did not wait for the frame in flight: {more!r}, closed={closed}")

        b.conn.close()  # the backend leaves mid-frame
        b.conn = None
        gone_at = time.monotonic()
        more, closed = read_for(c, 5)
        waited = time.monotonic() - gone_at
    finally:
        if c is not None:
            c.close()
        b.close()
    assert closed, "client connection still open 5 s after the backend left"
    assert more == b"", f"bytes after the partial frame (a close frame mid-frame?): {more!r}"
    assert waited < 1.5, f"client saw EOF {waited:.2f}s after the backend left (the linger is 3 s)"
    a = px.wait_access(lambda a: a.get("path") == "/drainmid")[0]
    assert a["closed_by"] == "proxy:drain" and a["close_code"] == 1001, a
    assert a["bytes_downstream"] == len(expected), a
    # The drain is over with its last session: wsedge exits 0 by itself. Wait
    # for it here, so the fixture's own SIGTERM cannot land while it is
    # already exiting (slow under ASan) and kill it with the default action.
    px.proc.popen.wait(15)
    assert px.proc.popen.returncode == 0, px.log_text()[-2000:]
