"""End-to-end harness: runs the real wsedge binary in front of real backends.

Everything here is bounded in time, talks to loopback only, and remembers the
PID of every process it starts so teardown can stop exactly those.
"""
import base64
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PEERS = HERE / "peers"
SOURCE_DIR = Path(os.environ.get("WSEDGE_SOURCE_DIR", HERE.parent))
PYTHON = "/usr/bin/python3" if Path("/usr/bin/python3").exists() else sys.executable


def wsedge_bin():
    """The binary under test: $WSEDGE_BIN, else the usual build directories."""
    env = os.environ.get("WSEDGE_BIN")
    if env:
        return env
    for d in ("build-it", "build", "build-asan"):
        p = SOURCE_DIR / d / "wsedge"
        if p.exists():
            return str(p)
    raise RuntimeError("set WSEDGE_BIN to the wsedge binary")


def sanitized():
    """True when the binary under test is an ASan build (its quarantine inflates RSS)."""
    try:
        return b"__asan_init" in Path(wsedge_bin()).read_bytes()
    except OSError:
        return False


def free_port():
    """A TCP port on 127.0.0.1 that was free a moment ago (bind 0, close)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(pred, timeout, interval=0.02, what="condition"):
    """Poll pred() until it returns a truthy value; raise after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def read_json_lines(path):
    """Every JSON object line of a file; other lines (sanitizer output...) are skipped."""
    out = []
    try:
        text = Path(path).read_text(errors="replace")
    except FileNotFoundError:
        return out
    for line in text.splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            obj = json.loads(line)
        except ValueError:
            continue
        if isinstance(obj, dict):
            out.append(obj)
    return out


# ---------------------------------------------------------------- config

def toml_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return json.dumps(v)  # a JSON string is a valid TOML basic string
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    raise TypeError(f"no TOML for {v!r}")


def render_config(listen_port, pools, routes=None, global_=None, timeouts=None, limits=None):
    """TOML text for one listener on 127.0.0.1:listen_port.

    pools: {name: {"balance": "round_robin", "servers": ["127.0.0.1:1", ...]}}
           (a server may also be a dict with name/address/weight).
    routes: list of dicts (host, path_prefix, pool); default: "/" -> first pool.
    """
    g = {"workers": 2, "log_level": "info", "log_format": "json", "access_log": "stderr"}
    g.update(global_ or {})
    lines = ["[global]"] + [f"{k} = {toml_value(v)}" for k, v in g.items()]
    if timeouts:
        lines += ["", "[timeouts]"] + [f"{k} = {toml_value(v)}" for k, v in timeouts.items()]
    if limits:
        lines += ["", "[limits]"] + [f"{k} = {toml_value(v)}" for k, v in limits.items()]
    lines += ["", "[[listeners]]", 'name = "public"', f'address = "127.0.0.1:{listen_port}"']
    if routes is None:
        routes = [{"path_prefix": "/", "pool": next(iter(pools))}]
    for r in routes:
        lines += ["", "[[routes]]"] + [f"{k} = {toml_value(v)}" for k, v in r.items()]
    for name, p in pools.items():
        lines += ["", "[[pools]]", f"name = {toml_value(name)}",
                  f"balance = {toml_value(p.get('balance', 'round_robin'))}"]
        for i, s in enumerate(p["servers"]):
            if isinstance(s, str):
                s = {"name": f"{name}-{i + 1}", "address": s, "weight": 1}
            lines += ["  [[pools.servers]]"] + [f"  {k} = {toml_value(v)}" for k, v in s.items()]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- processes

class Proc:
    """A child process started by the harness, stopped by its PID only."""

    def __init__(self, argv, log_path, cwd=None, env=None):
        self.argv = argv
        self.log_path = Path(log_path)
        self._log = open(self.log_path, "wb")
        self.popen = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=self._log,
                                      stderr=subprocess.STDOUT,
                                      cwd=cwd, env=env)
        self.pid = self.popen.pid

    def alive(self):
        return self.popen.poll() is None

    def send_signal(self, sig):
        if self.alive():
            os.kill(self.pid, sig)

    def stop(self, sig=signal.SIGTERM, timeout=10):
        """Send sig, wait up to timeout, SIGKILL if still there. Returns the exit code."""
        if self.alive():
            os.kill(self.pid, sig)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                os.kill(self.pid, signal.SIGKILL)
                self.popen.wait(5)
        self._log.close()
        return self.popen.returncode

    def output(self):
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""


class Backend:
    """A backend peer (Python echo, Node echo, or a raw misbehaving one)."""

    def __init__(self, kind, port, proc, record_path):
        self.kind = kind
        self.port = port
        self.address = f"127.0.0.1:{port}"
        self.proc = proc
        self.record_path = record_path

    def records(self, event=None):
        r = read_json_lines(self.record_path)
        return [x for x in r if event is None or x.get("event") == event]

    def saw_nothing(self):
        """True when no TCP connection and no request ever reached this backend."""
        return not [r for r in self.records() if r.get("event") != "ready"]

    def wait_record(self, pred, timeout=5, what="backend record"):
        return wait_until(lambda: [r for r in self.records() if pred(r)], timeout, what=what)

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.popen.wait(5)


class Wsedge:
    """One running wsedge: its port, its config file, its parsed stderr."""

    def __init__(self, port, config_path, proc):
        self.port = port
        self.config_path = config_path
        self.proc = proc
        self.address = ("127.0.0.1", port)

    def url(self, path="/"):
        return f"ws://127.0.0.1:{self.port}{path}"

    def log_text(self):
        return self.proc.output()

    def logs(self):
        return read_json_lines(self.proc.log_path)

    def access(self):
        return [x for x in self.logs() if x.get("msg") == "access"]

    def wait_access(self, pred=lambda a: True, count=1, timeout=5):
        """Wait for at least count access lines that satisfy pred; return them."""
        def ok():
            got = [a for a in self.access() if pred(a)]
            return got if len(got) >= count else None
        return wait_until(ok, timeout, what=f"{count} access line(s)")

    def rss_kib(self):
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def threads(self):
        return len(os.listdir(f"/proc/{self.proc.pid}/task"))


class Env:
    """Per-test world: a tmp dir, the processes started in it, and their teardown."""

    def __init__(self, tmp_path):
        self.dir = Path(tmp_path)
        self.backends = []
        self.proxies = []
        self.procs = []

    # -- backends
    def _peer(self, kind, argv, port, name):
        record = self.dir / f"{name}.{port}.jsonl"
        proc = Proc(argv + ["--record", str(record)], self.dir / f"{name}.{port}.out")
        self.procs.append(proc)
        b = Backend(kind, port, proc, record)
        try:
            wait_until(lambda: b.records("ready") or not proc.alive(), 15, what=f"{name} ready")
        except TimeoutError:
            raise RuntimeError(f"{name} did not start:\n{proc.output()}")
        if not proc.alive():
            raise RuntimeError(f"{name} exited at start:\n{proc.output()}")
        self.backends.append(b)
        return b

    def echo_backend(self):
        port = free_port()
        return self._peer("python", [PYTHON, str(PEERS / "echo_server.py"), "--port", str(port)],
                          port, "echo")

    def node_backend(self):
        if not (HERE / "node_modules" / "ws").is_dir():
            raise RuntimeError("integration/node_modules missing: run `npm ci` in integration/")
        port = free_port()
        return self._peer("node", ["node", str(PEERS / "node_echo.js"), "--port", str(port)],
                          port, "node")

    def raw_backend(self, mode):
        """A misbehaving peer: mode "silent" (accepts, never answers) or "reset" (accepts, RSTs)."""
        port = free_port()
        return self._peer(mode, [PYTHON, str(PEERS / "raw_server.py"), "--port", str(port),
                                 "--mode", mode], port, mode)

    def dead_address(self):
        """An address where nothing listens (connect gets ECONNREFUSED)."""
        return f"127.0.0.1:{free_port()}"

    # -- wsedge
    def write_config(self, text, name="wsedge.toml"):
        p = self.dir / name
        p.write_text(text)
        return p

    def proxy(self, servers=None, pools=None, routes=None, global_=None, timeouts=None,
              limits=None, balance="round_robin"):
        """Start wsedge in front of servers (Backend objects or "host:port" strings)."""
        if pools is None:
            addrs = [s.address if isinstance(s, Backend) else s for s in servers]
            pools = {"echo": {"balance": balance, "servers": addrs}}
        port = free_port()
        cfg = self.write_config(render_config(port, pools, routes, global_, timeouts, limits),
                                f"wsedge.{port}.toml")
        return self.start_proxy(cfg, port)

    def start_proxy(self, cfg, port):
        proc = Proc([wsedge_bin(), "-c", str(cfg)], self.dir / f"wsedge.{port}.log")
        self.procs.append(proc)
        w = Wsedge(port, cfg, proc)
        self.proxies.append(w)

        def listening():
            if not proc.alive():
                raise RuntimeError(f"wsedge exited ({proc.popen.returncode}) at start:\n"
                                   f"{proc.output()[-4000:]}\nconfig:\n{cfg.read_text()}")
            try:
                socket.create_connection(w.address, timeout=0.5).close()
                return True
            except OSError:
                return False
        try:
            wait_until(listening, 15, interval=0.05, what="wsedge listener")
        except TimeoutError:
            raise RuntimeError(f"wsedge never listened:\n{proc.output()[-4000:]}")
        return w

    def close(self):
        """Stop wsedge first (SIGTERM, exit code must be 0), then the backends."""
        errors = []
        for w in self.proxies:
            if not w.proc.alive():
                rc = w.proc.popen.returncode
                if rc != 0:
                    errors.append(f"wsedge died during the test with {rc}:\n{w.log_text()[-3000:]}")
                w.proc.stop()
                continue
            rc = w.proc.stop(signal.SIGTERM, timeout=15)
            if rc != 0:
                errors.append(f"wsedge exit code after SIGTERM: {rc} (full log: {w.proc.log_path})"
                              f"\n{w.log_text()[-3000:]}")
            text = w.log_text()
            for marker in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:"):
                if marker in text:
                    start = text.index(marker)
                    errors.append(f"sanitizer report (full log: {w.proc.log_path}):\n"
                                  f"{text[start:start + 6000]}")
                    break
        for p in self.procs:
            if p.alive():
                p.stop(signal.SIGTERM, timeout=3)
            else:
                p.stop()
        return errors


# ---------------------------------------------------------------- raw clients

def ws_key():
    return base64.b64encode(os.urandom(16)).decode()


def upgrade_request(path="/", host="127.0.0.1", extra=None, key=None, version="13"):
    """A valid client upgrade request head as bytes; extra is a list of (name, value)."""
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}", "Upgrade: websocket",
             "Connection: Upgrade", f"Sec-WebSocket-Key: {key or ws_key()}",
             f"Sec-WebSocket-Version: {version}"]
    for k, v in extra or []:
        lines.append(f"{k}: {v}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def encode_frame(opcode, payload=b"", fin=True, mask=True, rsv=0):
    """One RFC 6455 frame; masked (as a client must) unless mask=False."""
    b0 = (0x80 if fin else 0) | (rsv << 4) | opcode
    n = len(payload)
    mbit = 0x80 if mask else 0
    if n < 126:
        head = struct.pack("!BB", b0, mbit | n)
    elif n < 65536:
        head = struct.pack("!BBH", b0, mbit | 126, n)
    else:
        head = struct.pack("!BBQ", b0, mbit | 127, n)
    if not mask:
        return head + payload
    key = os.urandom(4)
    return head + key + mask_bytes(payload, key)


def mask_bytes(data, key):
    if not data:
        return b""
    k = (key * (len(data) // 4 + 1))[:len(data)]
    return (int.from_bytes(data, "big") ^ int.from_bytes(k, "big")).to_bytes(len(data), "big")


def close_payload(code, reason=""):
    return struct.pack("!H", code) + reason.encode()


class RawConn:
    """A client on a plain socket: send anything, read the HTTP answer and frames."""

    def __init__(self, address, timeout=5):
        self.sock = socket.create_connection(address, timeout=timeout)
        self.buf = b""

    def send(self, data):
        self.sock.sendall(data)

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise EOFError("peer closed")
        self.buf += chunk

    def read_head(self):
        """Read one HTTP response head: (status, {lower-name: [values]}, raw_head)."""
        while b"\r\n\r\n" not in self.buf:
            self._fill()
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ")[1])
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers.setdefault(k.strip().lower(), []).append(v.strip())
        return status, headers, head

    def read_until_close(self, limit=1 << 20):
        """Everything the peer sends until it closes (bounded by the socket timeout)."""
        try:
            while len(self.buf) < limit:
                self._fill()
        except (EOFError, ConnectionResetError):
            pass
        data, self.buf = self.buf, b""
        return data

    def handshake(self, path="/", extra=None, trailing=b""):
        self.send(upgrade_request(path, extra=extra) + trailing)
        status, headers, _ = self.read_head()
        return status, headers

    def recv_frame(self):
        """(fin, opcode, payload) of the next server frame (server frames are unmasked)."""
        while len(self.buf) < 2:
            self._fill()
        b0, b1 = self.buf[0], self.buf[1]
        n = b1 & 0x7F
        pos = 2
        if n == 126:
            while len(self.buf) < 4:
                self._fill()
            n = struct.unpack("!H", self.buf[2:4])[0]
            pos = 4
        elif n == 127:
            while len(self.buf) < 10:
                self._fill()
            n = struct.unpack("!Q", self.buf[2:10])[0]
            pos = 10
        mkey = None
        if b1 & 0x80:
            while len(self.buf) < pos + 4:
                self._fill()
            mkey = self.buf[pos:pos + 4]
            pos += 4
        while len(self.buf) < pos + n:
            self._fill()
        payload = self.buf[pos:pos + n]
        self.buf = self.buf[pos + n:]
        if mkey:
            payload = mask_bytes(payload, mkey)
        return bool(b0 & 0x80), b0 & 0x0F, payload

    def recv_close(self, max_frames=1000):
        """Skip data frames until a close frame; return (code, reason)."""
        for _ in range(max_frames):
            fin, op, payload = self.recv_frame()
            if op == 0x8:
                if len(payload) >= 2:
                    return struct.unpack("!H", payload[:2])[0], payload[2:].decode(errors="replace")
                return 1005, ""
        raise AssertionError("no close frame")

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def raw_exchange(address, data, timeout=5):
    """Send data on a fresh connection; return (status, headers, everything after the head)."""
    c = RawConn(address, timeout=timeout)
    try:
        c.send(data)
        status, headers, _ = c.read_head()
        rest = c.read_until_close()
        return status, headers, rest
    finally:
        c.close()


def ensure_node_modules():
    """Install integration/node_modules with npm when missing; False if that is impossible."""
    if (HERE / "node_modules" / "ws").is_dir():
        return True
    npm = shutil.which("npm")
    if not npm:
        return False
    cmd = [npm, "ci" if (HERE / "package-lock.json").exists() else "install",
           "--no-audit", "--no-fund", "--loglevel=error"]
    try:
        subprocess.run(cmd, cwd=HERE, timeout=180, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except (subprocess.SubprocessError, OSError):
        return False
    return (HERE / "node_modules" / "ws").is_dir()


def run(coro, timeout=30):
    """Run one asyncio test body with a hard time limit."""
    import asyncio

    async def bounded():
        return await asyncio.wait_for(coro, timeout)
    return asyncio.run(bounded())
