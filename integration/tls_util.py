"""TLS helpers for the integration tests: a throwaway PKI made with the openssl
CLI, configs with [listeners.tls] and backend TLS, TLS raw clients, and (run as
a script) a TLS echo backend on Python `websockets`.

Everything talks to loopback only; the PKI lives in a pytest tmp dir.
"""
import argparse
import asyncio
import json
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import wsedge_harness as h  # noqa: E402


# ---------------------------------------------------------------- PKI

def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, timeout=60,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


class Pki:
    """A test CA, a second unrelated CA, and leaf certificates signed by the first.

    Leaves (files <name>.crt / <name>.key in dir):
      a       ECDSA P-256, SAN a.test, *.wild.test      (the listener default)
      b       RSA 2048,    SAN b.test
      a_rsa   RSA 2048,    SAN a.test, *.wild.test      (same names as a: dual cert)
      backend ECDSA,       SAN localhost, IP 127.0.0.1  (for the TLS backend)
      expired ECDSA,       SAN a.test, valid in January 2020 only
    """

    def __init__(self, d):
        self.dir = Path(d)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.ca = self._ca("ca", "wsedge test CA")
        self.other_ca = self._ca("other_ca", "unrelated CA")
        self.leaf("a", ["DNS:a.test", "DNS:*.wild.test"], "ec")
        self.leaf("b", ["DNS:b.test"], "rsa")
        self.leaf("a_rsa", ["DNS:a.test", "DNS:*.wild.test"], "rsa")
        self.leaf("backend", ["DNS:localhost", "IP:127.0.0.1"], "ec")
        self.leaf("expired", ["DNS:a.test"], "ec", dates=("20200101000000Z", "20200201000000Z"))

    def path(self, name):
        return str(self.dir / name)

    def _key(self, name, kind):
        if kind == "rsa":
            openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
                    "-out", f"{name}.key", cwd=self.dir)
        else:
            openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
                    "-out", f"{name}.key", cwd=self.dir)

    def _ca(self, name, cn):
        self._key(name, "ec")
        openssl("req", "-x509", "-new", "-key", f"{name}.key", "-out", f"{name}.crt",
                "-days", "30", "-subj", f"/CN={cn}",
                "-addext", "basicConstraints=critical,CA:TRUE",
                "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=self.dir)
        return self.path(f"{name}.crt")

    def leaf(self, name, sans, kind, dates=None):
        self._key(name, kind)
        openssl("req", "-new", "-key", f"{name}.key", "-out", f"{name}.csr",
                "-subj", f"/CN={sans[0].split(':', 1)[1]}", cwd=self.dir)
        ext = self.dir / f"{name}.ext"
        ext.write_text("basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n"
                       "extendedKeyUsage=serverAuth\nsubjectAltName=" + ",".join(sans) + "\n")
        if dates is None:
            openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
                    "-CAcreateserial", "-days", "10", "-extfile", ext.name,
                    "-out", f"{name}.crt", cwd=self.dir)
        else:
            # `openssl ca` is the CLI way to pick both validity dates (for an
            # expired certificate); it wants a tiny database.
            db = self.dir / "cadb"
            db.mkdir(exist_ok=True)
            (db / "index.txt").write_text("")
            (db / "serial").write_text("1000\n")
            cnf = self.dir / "ca.cnf"
            cnf.write_text(f"""[ca]
default_ca = d
[d]
database = {db}/index.txt
serial = {db}/serial
new_certs_dir = {db}
default_md = sha256
policy = p
[p]
commonName = supplied
""")
            openssl("ca", "-batch", "-config", cnf.name, "-cert", "ca.crt", "-keyfile", "ca.key",
                    "-in", f"{name}.csr", "-out", f"{name}.crt", "-notext",
                    "-startdate", dates[0], "-enddate", dates[1], "-extfile", ext.name,
                    cwd=self.dir)

    def pair(self, name):
        return {"cert": self.path(f"{name}.crt"), "key": self.path(f"{name}.key")}


# ---------------------------------------------------------------- config

def tls_table(certificates, min_version="1.2"):
    """The [listeners.tls] lines for `certificates` (list of {"cert", "key"})."""
    items = ", ".join("{ cert = %s, key = %s }" % (json.dumps(c["cert"]), json.dumps(c["key"]))
                      for c in certificates)
    return f"  [listeners.tls]\n  certificates = [ {items} ]\n  min_version = \"{min_version}\"\n"


def with_listener_tls(config_text, certificates, min_version="1.2"):
    """Adds [listeners.tls] to the (single) listener that render_config wrote."""
    lines = config_text.split("\n")
    i = next(n for n, line in enumerate(lines) if line.startswith("address = \"127.0.0.1:"))
    lines.insert(i + 1, tls_table(certificates, min_version).rstrip("\n"))
    return "\n".join(lines)


def tls_proxy(env, servers, certificates, min_version="1.2", pools=None, **kw):
    """Start wsedge with a TLS listener in front of servers (as Env.proxy does)."""
    if pools is None:
        addrs = [s.address if isinstance(s, h.Backend) else s for s in servers]
        pools = {"echo": {"balance": "round_robin", "servers": addrs}}
    port = h.free_port()
    text = h.render_config(port, pools, kw.get("routes"), kw.get("global_"), kw.get("timeouts"),
                           kw.get("limits"))
    cfg = env.write_config(with_listener_tls(text, certificates, min_version),
                           f"wsedge.{port}.toml")
    return env.start_proxy(cfg, port)


def wss_url(px, path="/"):
    return f"wss://127.0.0.1:{px.port}{path}"


# ---------------------------------------------------------------- clients

def client_context(cafile, alpn=("http/1.1",), minimum=None, maximum=None, seclevel0=False):
    ctx = ssl.create_default_context(cafile=cafile)
    if alpn:
        ctx.set_alpn_protocols(list(alpn))
    if seclevel0:
        # OpenSSL 3 refuses TLS < 1.2 at the default security level, on the
        # client side too: lower it so the *server* is what says no.
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    if minimum:
        ctx.minimum_version = minimum
    if maximum:
        ctx.maximum_version = maximum
    return ctx


def tls_socket(address, ctx, server_hostname, timeout=5, session=None):
    raw = socket.create_connection(address, timeout=timeout)
    try:
        return ctx.wrap_socket(raw, server_hostname=server_hostname, session=session)
    except BaseException:
        raw.close()
        raise


def peer_sans(sock):
    """The DNS names of the certificate the server presented."""
    return sorted(v for k, v in sock.getpeercert().get("subjectAltName", ()) if k == "DNS")


class TlsRawConn(h.RawConn):
    """RawConn over TLS: the same frame-level helpers, on an ssl socket."""

    def __init__(self, address, ctx, server_hostname="a.test", timeout=5, session=None):
        self.sock = tls_socket(address, ctx, server_hostname, timeout, session)
        self.buf = b""


def client_hello_bytes(server_hostname="a.test"):
    """A real ClientHello as bytes (made with a memory BIO, never sent anywhere)."""
    ctx = ssl.create_default_context()
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(incoming, outgoing, server_hostname=server_hostname)
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return outgoing.read()


def connection_closed_within(sock, seconds):
    """True when the peer closes (EOF or reset) within `seconds`, reading whatever comes."""
    sock.settimeout(0.2)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if sock.recv(4096) == b"":
                return True
        except socket.timeout:
            continue
        except (ConnectionResetError, ssl.SSLError, OSError):
            return True
    return False


# ---------------------------------------------------------------- TLS backend

def tls_backend(env, pki, name="backend"):
    """A websockets echo backend serving TLS with pki's <name> certificate."""
    port = h.free_port()
    return env._peer("tls-python",
                     [h.PYTHON, str(Path(__file__).resolve()), "--port", str(port),
                      "--cert", pki.path(f"{name}.crt"), "--key", pki.path(f"{name}.key")],
                     port, "tls-echo")


async def _serve(port, cert, key, record_path):
    import websockets
    record_file = open(record_path, "a")

    def record(**kw):
        kw["t"] = time.time()
        record_file.write(json.dumps(kw) + "\n")
        record_file.flush()

    async def process_request(path, headers):
        record(event="request", path=path, headers=[[k, v] for k, v in headers.raw_items()])

    async def handler(ws, path):
        try:
            async for msg in ws:
                await ws.send(msg)
                record(event="message", len=len(msg))
        except websockets.ConnectionClosed:
            pass
        finally:
            record(event="close", code=ws.close_code, reason=ws.close_reason, path=path)

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    import signal
    stop = asyncio.get_running_loop().create_future()
    for s in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(s, stop.set_result, None)
    async with websockets.serve(handler, "127.0.0.1", port, ssl=ctx, ping_interval=None,
                                process_request=process_request, max_size=None):
        record(event="ready", port=port)
        await stop


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description="TLS echo backend for the integration tests")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--record", default="/dev/null")
    a = ap.parse_args()
    asyncio.run(_serve(a.port, a.cert, a.key, a.record))
