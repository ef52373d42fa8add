"""TLS: wss:// listeners (SNI, versions, ALPN, resumption, bad input) and TLS
to backends (verification, wrong CA -> 502), plus core cases over wss."""
import asyncio
import random
import signal
import socket
import ssl
import subprocess
import threading

import pytest
import websockets

import tls_util as t
import wsedge_harness as h


@pytest.fixture(scope="session")
def pki(tmp_path_factory):
    return t.Pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def wss_proxy(env, pki):
    """wsedge with a TLS listener (certificates a, then b) in front of one echo backend."""
    b = env.echo_backend()
    px = t.tls_proxy(env, [b], [pki.pair("a"), pki.pair("b")])
    return env, px, b


def ctx_for(pki, **kw):
    return t.client_context(pki.ca, **kw)


def wait_client_tls_error(px, text):
    """The "client TLS handshake failed" log line whose error contains text."""
    return h.wait_until(lambda: [x for x in px.logs()
                                 if x.get("msg") == "client TLS handshake failed"
                                 and text in x.get("error", "")], 5, what=f"TLS error {text}")


def tls_access(px, pred=lambda a: True, timeout=5):
    return px.wait_access(lambda a: a.get("closed_by") == "proxy:tls_error" and pred(a),
                          timeout=timeout)


# ---------------------------------------------------------------- listener

def test_echo_over_wss_and_forwarded_proto(wss_proxy, pki):
    env, px, b = wss_proxy

    async def body():
        async with websockets.connect(t.wss_url(px, "/secure"), ssl=ctx_for(pki),
                                      server_hostname="a.test", ping_interval=None,
                                      max_size=None) as ws:
            for n in (0, 125, 126, 65536, 1 << 20):
                data = bytes(range(256)) * (n // 256) + b"x" * (n % 256)
                await ws.send(data)
                assert await ws.recv() == data
                await ws.send("text-%d" % n)
                assert await ws.recv() == "text-%d" % n
            await ws.close(4000, "done")
            return ws.close_code
    assert h.run(body()) == 4000
    req = b.wait_record(lambda r: r["event"] == "request")[0]
    headers = {k.lower(): v for k, v in req["headers"]}
    assert headers["x-forwarded-proto"] == "https"
    assert "proto=https" in headers["forwarded"]
    rec = b.wait_record(lambda r: r["event"] == "close")[0]
    assert rec["code"] == 4000
    line = px.wait_access(lambda a: a.get("status") == 101)[0]
    assert line["close_code"] == 4000 and line["closed_by"] == "client"


@pytest.mark.parametrize("sni,want", [
    ("a.test", ["*.wild.test", "a.test"]),
    ("b.test", ["b.test"]),
    ("B.Test", ["b.test"]),
    ("x.wild.test", ["*.wild.test", "a.test"]),
    ("unknown.test", ["*.wild.test", "a.test"]),   # the default: the first certificate
    ("deep.x.wild.test", ["*.wild.test", "a.test"]),  # a wildcard covers one label only
])
def test_sni_picks_certificate(wss_proxy, pki, sni, want):
    env, px, b = wss_proxy
    ctx = ctx_for(pki)
    ctx.check_hostname = False  # the default certificate does not match unknown names
    with t.tls_socket(px.address, ctx, sni) as s:
        assert t.peer_sans(s) == want


def test_sni_b_verifies_with_websockets_client(wss_proxy, pki):
    env, px, b = wss_proxy

    async def body():
        async with websockets.connect(t.wss_url(px), ssl=ctx_for(pki), server_hostname="b.test",
                                      ping_interval=None) as ws:
            await ws.send("hi b")
            return await ws.recv()
    assert h.run(body()) == "hi b"


def test_rsa_and_ecdsa_certificates_for_the_same_names(env, pki):
    b = env.echo_backend()
    px = t.tls_proxy(env, [b], [pki.pair("a"), pki.pair("a_rsa")])
    for ciphers, key_type in (("ECDHE-ECDSA-AES128-GCM-SHA256", "EC"),
                              ("ECDHE-RSA-AES128-GCM-SHA256", "RSA")):
        ctx = ctx_for(pki, maximum=ssl.TLSVersion.TLSv1_2)
        ctx.set_ciphers(ciphers)
        with t.tls_socket(px.address, ctx, "a.test") as s:
            der = s.getpeercert(binary_form=True)
            text = subprocess.run(["openssl", "x509", "-inform", "DER", "-noout", "-text"],
                                  input=der, capture_output=True, timeout=10).stdout.decode()
            assert ("id-ecPublicKey" in text) == (key_type == "EC"), text[:400]


def test_tls11_client_refused_when_min_12(wss_proxy, pki):
    env, px, b = wss_proxy
    ctx = ctx_for(pki, minimum=ssl.TLSVersion.TLSv1, maximum=ssl.TLSVersion.TLSv1_1,
                  seclevel0=True)
    with pytest.raises((ssl.SSLError, ConnectionResetError)):
        t.tls_socket(px.address, ctx, "a.test").close()
    wait_client_tls_error(px, "unsupported protocol")
    line = tls_access(px)[0]
    assert line["reject_reason"] == "tls_error" and line["status"] == 0
    assert b.saw_nothing()


def test_tls12_client_refused_when_min_13(env, pki):
    b = env.echo_backend()
    px = t.tls_proxy(env, [b], [pki.pair("a")], min_version="1.3")
    with pytest.raises(ssl.SSLError):
        t.tls_socket(px.address, ctx_for(pki, maximum=ssl.TLSVersion.TLSv1_2), "a.test").close()
    with t.tls_socket(px.address, ctx_for(pki), "a.test") as s:
        assert s.version() == "TLSv1.3"


def test_alpn_http11_selected_h2_only_refused(wss_proxy, pki):
    env, px, b = wss_proxy
    with t.tls_socket(px.address, ctx_for(pki, alpn=("h2", "http/1.1")), "a.test") as s:
        assert s.selected_alpn_protocol() == "http/1.1"
    with t.tls_socket(px.address, ctx_for(pki, alpn=None), "a.test") as s:
        assert s.selected_alpn_protocol() is None
    with pytest.raises(ssl.SSLError) as ei:
        t.tls_socket(px.address, ctx_for(pki, alpn=("h2",)), "a.test").close()
    assert "no application protocol" in str(ei.value).lower()


@pytest.mark.parametrize("version", [ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3])
def test_session_resumption(wss_proxy, pki, version):
    env, px, b = wss_proxy
    ctx = ctx_for(pki, minimum=version, maximum=version)

    def one(session=None):
        c = t.TlsRawConn(px.address, ctx, "a.test", session=session)
        try:
            status, _ = c.handshake("/resume")
            assert status == 101
            c.send(h.encode_frame(0x1, b"ping"))
            assert c.recv_frame() == (True, 0x1, b"ping")
            c.send(h.encode_frame(0x8, h.close_payload(1000)))
            assert c.recv_close()[0] == 1000
            return c.sock.session, c.sock.session_reused
        finally:
            c.close()
    session, reused = one()
    assert not reused and session is not None
    _, reused = one(session)
    assert reused


def test_plaintext_to_tls_port_closed_and_logged(wss_proxy, pki):
    env, px, b = wss_proxy
    c = h.RawConn(px.address)
    try:
        c.send(h.upgrade_request("/plain"))
        assert t.connection_closed_within(c.sock, 3)
    finally:
        c.close()
    wait_client_tls_error(px, "http request")
    line = tls_access(px)[0]
    assert line["reject_reason"] == "tls_error"
    assert b.saw_nothing()


def test_tls_hello_to_plain_port_gets_400(echo_proxy, pki):
    env, px, b = echo_proxy
    with pytest.raises((ssl.SSLError, ConnectionResetError)):
        t.tls_socket(px.address, ctx_for(pki), "a.test").close()
    line = px.wait_access(lambda a: a.get("reject_reason") == "bad_request")[0]
    assert line["status"] == 400
    assert b.saw_nothing()


def test_truncated_hello_then_eof(wss_proxy):
    env, px, b = wss_proxy
    hello = t.client_hello_bytes()
    s = socket.create_connection(px.address, timeout=5)
    try:
        s.sendall(hello[:len(hello) // 2])
        s.shutdown(socket.SHUT_WR)
        assert t.connection_closed_within(s, 3)
    finally:
        s.close()
    # The harness's own readiness probe is one such line; this is a second.
    h.wait_until(lambda: len(wait_client_tls_error(px, "closed during the handshake")) >= 2, 5)


def test_truncated_hello_held_open_hits_handshake_timeout(env, pki):
    b = env.echo_backend()
    px = t.tls_proxy(env, [b], [pki.pair("a")], timeouts={"handshake": "1s"})
    hello = t.client_hello_bytes()
    s = socket.create_connection(px.address, timeout=5)
    try:
        s.sendall(hello[:20])
        assert t.connection_closed_within(s, 4)
    finally:
        s.close()
    line = px.wait_access(lambda a: a.get("reject_reason") == "timeout")[0]
    assert line["status"] == 0  # no HTTP answer is possible before TLS is up
    assert px.proc.alive()


def test_garbage_and_resets_do_not_crash(wss_proxy, pki):
    env, px, b = wss_proxy
    for data in (b"\x16\x03\x01\x00\x05hello", b"\x00" * 512, b"\x16\x03\x03\xff\xff" + b"A" * 100):
        s = socket.create_connection(px.address, timeout=5)
        try:
            s.sendall(data)
            assert t.connection_closed_within(s, 3)
        finally:
            s.close()
    # Still serving.
    with t.tls_socket(px.address, ctx_for(pki), "a.test") as s:
        assert s.version() in ("TLSv1.2", "TLSv1.3")
    assert px.proc.alive()


def test_reload_rereads_certificates(env, pki, tmp_path):
    b = env.echo_backend()
    live = {"cert": str(tmp_path / "live.crt"), "key": str(tmp_path / "live.key")}
    (tmp_path / "live.crt").write_bytes(open(pki.path("a.crt"), "rb").read())
    (tmp_path / "live.key").write_bytes(open(pki.path("a.key"), "rb").read())
    px = t.tls_proxy(env, [b], [live])
    ctx = ctx_for(pki)
    ctx.check_hostname = False
    with t.tls_socket(px.address, ctx, "b.test") as s:
        assert t.peer_sans(s) == ["*.wild.test", "a.test"]
    (tmp_path / "live.crt").write_bytes(open(pki.path("b.crt"), "rb").read())
    (tmp_path / "live.key").write_bytes(open(pki.path("b.key"), "rb").read())
    px.proc.send_signal(signal.SIGHUP)
    h.wait_until(lambda: any(x.get("msg") == "config reloaded" for x in px.logs()), 5,
                 what="reload")

    def served():
        with t.tls_socket(px.address, ctx, "b.test") as s:
            return t.peer_sans(s) == ["b.test"]
    h.wait_until(served, 5, what="new certificate served")


# ---------------------------------------------------------------- check-config

def check(path):
    p = subprocess.run([h.wsedge_bin(), "--check-config", "-c", str(path)],
                       capture_output=True, text=True, timeout=20)
    return p.returncode, p.stdout + p.stderr


def tls_config(env, certificates, extra_server=""):
    text = h.render_config(h.free_port(), {"echo": {"servers": ["127.0.0.1:9"]}})
    return env.write_config(t.with_listener_tls(text, certificates) + extra_server, "tls.toml")


def test_check_config_tls_ok(env, pki):
    rc, out = check(tls_config(env, [pki.pair("a"), pki.pair("b")]))
    assert rc == 0 and "config ok" in out, out


def test_check_config_missing_cert_file(env, pki):
    cfg = tls_config(env, [{"cert": "/nonexistent/x.crt", "key": pki.path("a.key")}])
    rc, out = check(cfg)
    assert rc == 1
    assert f"{cfg}:" in out and "listeners[0].tls.certificates[0].cert: cannot read " \
        "\"/nonexistent/x.crt\": No such file or directory" in out, out


def test_check_config_key_does_not_match(env, pki):
    cfg = tls_config(env, [{"cert": pki.path("a.crt"), "key": pki.path("b.key")}])
    rc, out = check(cfg)
    assert rc == 1
    assert (f"listeners[0].tls.certificates[0].key: key \"{pki.path('b.key')}\" does not match "
            f"certificate \"{pki.path('a.crt')}\"") in out, out


def test_check_config_expired_certificate(env, pki):
    cfg = tls_config(env, [pki.pair("expired")])
    rc, out = check(cfg)
    assert rc == 1
    assert f"certificate \"{pki.path('expired.crt')}\" expired on Feb  1 00:00:00 2020 GMT" in out, out


def test_check_config_not_pem(env, pki):
    cfg = tls_config(env, [{"cert": str(cfg_dummy(env)), "key": str(cfg_dummy(env))}])
    rc, out = check(cfg)
    assert rc == 1
    assert "holds no PEM certificate" in out and "holds no PEM private key" in out, out


def cfg_dummy(env):
    p = env.dir / "not-pem.txt"
    p.write_text("hello\n")
    return p


def test_check_config_bad_ca_file(env):
    text = h.render_config(h.free_port(), {"echo": {"servers": [
        {"name": "s", "address": "127.0.0.1:9", "tls": True, "ca_file": "/nonexistent/ca.pem"}]}})
    rc, out = check(env.write_config(text, "ca.toml"))
    assert rc == 1 and "pools[0].servers[0].ca_file: cannot read \"/nonexistent/ca.pem\"" in out, out


# ---------------------------------------------------------------- backends over TLS

def backend_proxy(env, backend, **server):
    s = {"name": "tls-1", "address": backend.address if hasattr(backend, "address") else backend,
         "tls": True}
    s.update(server)
    return env.proxy(pools={"echo": {"servers": [s]}})


async def echo_once(url, msg="over tls"):
    async with websockets.connect(url, ping_interval=None) as ws:
        await ws.send(msg)
        return await ws.recv()


def test_backend_tls_verified_by_ip(env, pki):
    b = t.tls_backend(env, pki)
    px = backend_proxy(env, b, ca_file=pki.ca)
    assert h.run(echo_once(px.url("/up"))) == "over tls"
    assert b.wait_record(lambda r: r["event"] == "message")


def test_backend_tls_verified_by_server_name(env, pki):
    b = t.tls_backend(env, pki)
    px = backend_proxy(env, b, ca_file=pki.ca, server_name="localhost")
    assert h.run(echo_once(px.url("/named"))) == "over tls"


def test_wss_to_wss(env, pki):
    b = t.tls_backend(env, pki)
    port = h.free_port()
    text = h.render_config(port, {"echo": {"servers": [
        {"name": "tls-1", "address": b.address, "tls": True, "ca_file": pki.ca}]}})
    px = env.start_proxy(env.write_config(t.with_listener_tls(text, [pki.pair("a")]),
                                          "both.toml"), port)

    async def body():
        async with websockets.connect(t.wss_url(px), ssl=ctx_for(pki), server_hostname="a.test",
                                      ping_interval=None, max_size=None) as ws:
            data = b"z" * (1 << 20)
            await ws.send(data)
            return await ws.recv() == data
    assert h.run(body())


def expect_status(px, path):
    c = h.RawConn(px.address)
    try:
        status, _ = c.handshake(path)
        return status
    finally:
        c.close()


def test_backend_wrong_ca_502_with_reason(env, pki):
    b = t.tls_backend(env, pki)
    px = backend_proxy(env, b, ca_file=pki.other_ca)
    assert expect_status(px, "/wrong-ca") == 502
    line = px.wait_access(lambda a: a.get("status") == 502)[0]
    assert line["reject_reason"] == "tls_error"
    errs = [x for x in px.logs() if x.get("msg") == "upstream TLS handshake failed"]
    assert errs and "certificate verify failed" in errs[0]["error"], errs
    assert not b.records("request")


def test_backend_name_mismatch_502(env, pki):
    b = t.tls_backend(env, pki)
    px = backend_proxy(env, b, ca_file=pki.ca, server_name="not-the-backend.test")
    assert expect_status(px, "/wrong-name") == 502
    errs = [x for x in px.logs() if x.get("msg") == "upstream TLS handshake failed"]
    assert errs and "hostname mismatch" in errs[0]["error"], errs


def test_backend_insecure_skip_verify_is_logged(env, pki):
    b = t.tls_backend(env, pki)
    px = backend_proxy(env, b, ca_file=pki.other_ca, insecure_skip_verify=True)
    assert h.run(echo_once(px.url("/insecure"))) == "over tls"
    assert any("insecure_skip_verify" in x.get("msg", "") for x in px.logs())


def test_tls_to_plain_backend_502(env, pki):
    b = env.echo_backend()
    px = backend_proxy(env, b, ca_file=pki.ca)
    assert expect_status(px, "/plain-backend") == 502
    line = px.wait_access(lambda a: a.get("status") == 502)[0]
    assert line["reject_reason"] == "tls_error"


# ---------------------------------------------------------------- a TLS backend's non-101 answer

class TlsRefusingBackend:
    """A raw TLS backend (a thread of the test process) that answers every
    upgrade with a 403, a body and Connection: close, then close_notify, and
    puts all of it (the response records and the alert) into ONE send: the
    proxy reads the answer and the peer's close in the same TLS read."""

    BODY = b"tls backend says no\n"
    ANSWER = (b"HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\n"
              b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(BODY)) + BODY

    def __init__(self, pki):
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(pki.path("backend.crt"), pki.path("backend.key"))
        self.ls = socket.create_server(("127.0.0.1", 0))
        self.ls.settimeout(0.1)
        self.address = "127.0.0.1:%d" % self.ls.getsockname()[1]
        self.requests = []   # request heads, one per upgrade answered
        self.errors = []
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self._accept, daemon=True)]
        self.threads[0].start()

    def _accept(self):
        while not self.stopping.is_set():
            try:
                sock, _ = self.ls.accept()
            except (socket.timeout, OSError):
                continue
            t_ = threading.Thread(target=self._serve, args=(sock,), daemon=True)
            self.threads.append(t_)
            t_.start()

    def _serve(self, sock):
        try:
            sock.settimeout(5)
            incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
            tls = self.ctx.wrap_bio(incoming, outgoing, server_side=True)

            def pull():
                data = sock.recv(65536)
                if not data:
                    raise EOFError("proxy closed")
                incoming.write(data)

            while True:
                try:
                    tls.do_handshake()
                    break
                except ssl.SSLWantReadError:
                    if outgoing.pending:
                        sock.sendall(outgoing.read())
                    pull()
            if outgoing.pending:  # the last flight (and TLS 1.3 tickets)
                sock.sendall(outgoing.read())
            head = b""
            while b"\r\n\r\n" not in head:
                try:
                    head += tls.read(65536)
                except ssl.SSLWantReadError:
                    pull()
            self.requests.append(head)
            tls.write(self.ANSWER)
            try:
                tls.unwrap()  # close_notify; the peer's is not waited for
            except ssl.SSLWantReadError:
                pass
            sock.sendall(outgoing.read())  # answer + close_notify: one send
            sock.shutdown(socket.SHUT_WR)
            while sock.recv(65536):  # until the proxy closes (no reset)
                pass
        except (OSError, EOFError, ssl.SSLError) as e:
            self.errors.append(repr(e))
        finally:
            sock.close()

    def stop(self):
        self.stopping.set()
        for t_ in list(self.threads):
            t_.join(6)
        self.ls.close()


@pytest.fixture
def refusing_backends(pki):
    bs = [TlsRefusingBackend(pki), TlsRefusingBackend(pki)]
    yield bs
    for b in bs:
        b.stop()


@pytest.mark.parametrize("client_tls", [False, True], ids=["ws", "wss"])
def test_tls_backend_403_with_close_notify_in_one_send(env, pki, refusing_backends, client_tls):
    # Regression (8cbf080): the 403 and the close_notify behind it came out of
    # one TLS read; the bytes were dropped with the EOF, the answer looked like
    # a connect failure, the other server was tried, and the client got a 502.
    pools = {"echo": {"balance": "round_robin", "servers": [
        {"name": f"tls-{i + 1}", "address": b.address, "tls": True, "ca_file": pki.ca}
        for i, b in enumerate(refusing_backends)]}}
    if client_tls:
        px = t.tls_proxy(env, None, [pki.pair("a")], pools=pools)
        c = t.TlsRawConn(px.address, ctx_for(pki))
    else:
        px = env.proxy(pools=pools)
        c = h.RawConn(px.address)
    try:
        c.send(h.upgrade_request("/refused"))
        status, headers, _ = c.read_head()
        body = c.read_until_close()
    finally:
        c.close()
    line = px.wait_access(lambda a: a.get("path") == "/refused")[0]
    # The access line comes after any retry: every request has arrived by now.
    seen = [len(b.requests) for b in refusing_backends]
    assert status == 403, (f"got {status} {body!r}; access: {line}; requests per backend: "
                           f"{seen}; backend errors: {[b.errors for b in refusing_backends]}")
    assert headers["content-length"] == [str(len(TlsRefusingBackend.BODY))]
    assert body == TlsRefusingBackend.BODY
    assert line["status"] == 403 and line["reject_reason"] == "", line
    assert line["closed_by"] == "server", line
    # One request in all: the answer is not a failed connect, so no retry.
    assert sum(seen) == 1, f"requests per backend: {seen}"
    assert not [x for x in px.logs() if x.get("msg") == "upstream TLS handshake failed"]


# ---------------------------------------------------------------- large messages over TLS both ways

BIG = {"max_frame": "4MiB", "max_message": "4MiB"}


def wss_to_wss_proxy(env, pki, **kw):
    b = t.tls_backend(env, pki)
    pools = {"echo": {"balance": "round_robin", "servers": [
        {"name": "tls-1", "address": b.address, "tls": True, "ca_file": pki.ca}]}}
    return b, t.tls_proxy(env, None, [pki.pair("a")], pools=pools, **kw)


def test_wss_to_wss_large_messages_both_ways(env, pki):
    # Many TLS records per write in both directions (client -> proxy -> TLS
    # backend and back): SSL_write over many records, partial writes and the
    # output buffer must keep every byte, in order.
    b, px = wss_to_wss_proxy(env, pki, limits=BIG)
    rng = random.Random(8_0_8_0)
    # Up to 3 MiB, most well below (mean ~1 MiB, to stay quick), plus edges:
    # the largest, one byte over a TLS record's 16 KiB, and a tiny one.
    sizes = [1 + int((3 << 20) * rng.random() ** 2) for _ in range(17)]
    sizes += [3 << 20, 16 * 1024 + 1, 1]
    msgs = [rng.randbytes(n) for n in sizes]

    async def body():
        async with websockets.connect(t.wss_url(px, "/big"), ssl=ctx_for(pki),
                                      server_hostname="a.test", ping_interval=None,
                                      max_size=None) as ws:
            async def sender():
                for m in msgs:
                    await ws.send(m)
            task = asyncio.create_task(sender())
            for i, m in enumerate(msgs):
                got = await ws.recv()
                assert isinstance(got, bytes) and len(got) == len(m), (i, len(got), len(m))
                assert got == m, f"message {i} ({len(m)} bytes) corrupted"
            await task
            await ws.close(1000)
            return ws.close_code
    assert h.run(body()) == 1000
    assert b.wait_record(lambda r: r["event"] == "close")[0]["code"] == 1000
    line = px.wait_access(lambda a: a.get("path") == "/big")[0]
    assert line["close_code"] == 1000 and line["closed_by"] == "client", line
    assert line["bytes_downstream"] >= sum(sizes) and line["messages_downstream"] == len(msgs)


def test_wss_to_wss_slow_reader_gets_every_byte(env, pki):
    # The backend's echo of several MiB meets a client that reads a little at
    # a time: the proxy's TLS output to the client fills, pauses the TLS
    # backend, resumes it, many times; nothing may be lost or reordered.
    b, px = wss_to_wss_proxy(env, pki, limits=BIG)
    rng = random.Random(1014)
    msgs = [rng.randbytes(rng.randint(64 * 1024, 512 * 1024)) for _ in range(24)]
    total = sum(map(len, msgs))
    assert total > 6 << 20

    async def body():
        # A small receive buffer (set before connect: no autotuning), max_queue=1
        # and a small read_limit: the client's TCP window closes while it
        # sleeps, so the backpressure reaches the proxy.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32 * 1024)
        sock.settimeout(5)
        sock.connect(px.address)
        sock.setblocking(False)
        async with websockets.connect(t.wss_url(px, "/slow"), sock=sock, ssl=ctx_for(pki),
                                      server_hostname="a.test", ping_interval=None,
                                      max_size=None, max_queue=1, read_limit=16 * 1024) as ws:
            async def sender():
                for m in msgs:
                    await ws.send(m)
            task = asyncio.create_task(sender())
            got = 0
            for i, m in enumerate(msgs):
                await asyncio.sleep(0.04)
                r = await ws.recv()
                assert r == m, f"message {i} ({len(m)} bytes) corrupted"
                got += len(r)
            await task
            await ws.close(1000)
            return got, ws.close_code
    got, code = h.run(body())
    assert got == total and code == 1000
    assert b.wait_record(lambda r: r["event"] == "close")[0]["code"] == 1000
    assert len(b.records("message")) == len(msgs)
    line = px.wait_access(lambda a: a.get("path") == "/slow")[0]
    assert line["close_code"] == 1000 and line["closed_by"] == "client", line


# ---------------------------------------------------------------- core cases over wss

SMALL = {"max_frame": "64KiB", "max_message": "128KiB"}


async def wss_expect_close(px, pki, send):
    async with websockets.connect(t.wss_url(px), ssl=ctx_for(pki), server_hostname="a.test",
                                  ping_interval=None, max_size=None) as ws:
        await ws.send(send)
        with pytest.raises(websockets.ConnectionClosed) as ei:
            await ws.recv()
        return ei.value.code


def test_wss_oversized_frame_1009_backend_1001(env, pki):
    b = env.echo_backend()
    px = t.tls_proxy(env, [b], [pki.pair("a")], limits=SMALL)
    assert h.run(wss_expect_close(px, pki, b"x" * (65536 + 1))) == 1009
    assert b.wait_record(lambda r: r["event"] == "close")[0]["code"] == 1001


def test_wss_unmasked_frame_1002(wss_proxy, pki):
    env, px, b = wss_proxy
    c = t.TlsRawConn(px.address, ctx_for(pki))
    try:
        assert c.handshake("/unmasked")[0] == 101
        c.send(h.encode_frame(0x1, b"naked", mask=False))
        assert c.recv_close()[0] == 1002
    finally:
        c.close()
    assert b.wait_record(lambda r: r["event"] == "close")[0]["code"] == 1001


def test_wss_close_codes_relayed(wss_proxy, pki):
    env, px, b = wss_proxy

    async def body():
        async with websockets.connect(t.wss_url(px, "/_close/4001/server-bye"), ssl=ctx_for(pki),
                                      server_hostname="a.test", ping_interval=None) as ws:
            with pytest.raises(websockets.ConnectionClosed) as ei:
                await ws.recv()
            return ei.value.code, ei.value.reason
    assert h.run(body()) == (4001, "server-bye")


def test_wss_backend_killed_gives_1014(wss_proxy, pki):
    env, px, b = wss_proxy

    async def body():
        async with websockets.connect(t.wss_url(px, "/kill"), ssl=ctx_for(pki),
                                      server_hostname="a.test", ping_interval=None) as ws:
            await ws.send("before")
            assert await ws.recv() == "before"
            await asyncio.get_running_loop().run_in_executor(None, b.kill)
            with pytest.raises(websockets.ConnectionClosed) as ei:
                await ws.recv()
            return ei.value.code
    assert h.run(body()) == 1014


def test_wss_rejection_is_a_complete_http_answer(wss_proxy, pki):
    env, px, b = wss_proxy
    c = t.TlsRawConn(px.address, ctx_for(pki))
    try:
        c.send(b"GET / HTTP/1.1\r\nHost: a.test\r\n\r\n")
        status, headers, _ = c.read_head()
        assert status == 426
        assert headers["connection"] == ["close"]
        assert t.connection_closed_within(c.sock, 3)
    finally:
        c.close()


# ---------------------------------------------------------------- PROXY protocol before TLS

def test_proxy_protocol_header_then_tls(env, pki):
    """An L4 balancer's PROXY header comes before the ClientHello: the carried
    address reaches X-Forwarded-For and the access log, and TLS works after it."""
    b = env.echo_backend()
    port = h.free_port()
    text = h.render_config(port, {"echo": {"balance": "round_robin", "servers": [b.address]}},
                           None, None, None, None)
    text = t.with_listener_tls(text, [pki.pair("a")])
    listen = f'address = "127.0.0.1:{port}"'  # the key goes before [listeners.tls]
    text = text.replace(listen, listen + "\nproxy_protocol = true", 1)
    cfg = env.write_config(text, f"wsedge.{port}.toml")
    px = env.start_proxy(cfg, port)

    async def body():
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"PROXY TCP4 203.0.113.9 127.0.0.1 5555 443\r\n")
        async with websockets.connect(t.wss_url(px, "/pp"), sock=s, ssl=ctx_for(pki),
                                      server_hostname="a.test", ping_interval=None) as ws:
            await ws.send("through PROXY and TLS")
            assert await ws.recv() == "through PROXY and TLS"
    h.run(body())
    req = [r for r in b.records("request") if r["path"] == "/pp"][0]
    headers = {k.lower(): v for k, v in req["headers"]}
    assert headers["x-forwarded-for"] == "203.0.113.9"
    assert headers["x-forwarded-proto"] == "https"
    a = px.wait_access(lambda a: a.get("path") == "/pp")[0]
    assert a["client"].startswith("203.0.113.9:") and a["status"] == 101
