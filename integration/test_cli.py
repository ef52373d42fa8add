"""Command line (SPEC §1) and the access log (§7)."""
import re
import signal
import subprocess

import websockets

import wsedge_harness as h

ACCESS_FIELDS = ["client", "listener", "host", "path", "route", "pool", "server", "status",
                 "reject_reason", "duration_ms", "close_code", "closed_by"]
# Directions are named as in the metrics and the glossary: upstream = toward
# the backend (what the client sent), downstream = toward the client.
DIRECTION_FIELDS = ["bytes_upstream", "bytes_downstream", "messages_upstream",
                    "messages_downstream"]


def check(path):
    p = subprocess.run([h.wsedge_bin(), "--check-config", "-c", str(path)],
                       capture_output=True, text=True, timeout=20)
    return p.returncode, p.stdout + p.stderr


def test_version_and_help():
    p = subprocess.run([h.wsedge_bin(), "--version"], capture_output=True, text=True, timeout=10)
    assert p.returncode == 0 and re.search(r"\d+\.\d+\.\d+", p.stdout + p.stderr)
    p = subprocess.run([h.wsedge_bin(), "--help"], capture_output=True, text=True, timeout=10)
    assert p.returncode == 0 and "--check-config" in p.stdout + p.stderr


def test_check_config_good(env):
    cfg = env.write_config(h.render_config(h.free_port(), {"echo": {"servers": ["127.0.0.1:9"]}}))
    rc, out = check(cfg)
    assert rc == 0, out
    assert "config ok" in out


def test_check_config_unknown_key(env):
    cfg = env.write_config('[global]\nworkers = 1\nbogus_key = 3\n'
                           '[[listeners]]\nname = "p"\naddress = "127.0.0.1:1"\n', "bad.toml")
    rc, out = check(cfg)
    assert rc == 1, out
    assert re.search(rf"^{re.escape(str(cfg))}:3:1: .*bogus_key", out, re.M), out


def test_check_config_syntax_error(env):
    cfg = env.write_config('[global]\nworkers = 1\n\nlog_level = "info\n', "syntax.toml")
    rc, out = check(cfg)
    assert rc == 1, out
    assert re.search(rf"^{re.escape(str(cfg))}:4:\d+: ", out, re.M), out


def test_check_config_bad_value(env):
    cfg = env.write_config(h.render_config(h.free_port(), {"echo": {"servers": ["127.0.0.1:9"]}},
                                           timeouts={"handshake": "ten seconds"}), "value.toml")
    line = cfg.read_text().splitlines().index('handshake = "ten seconds"') + 1
    rc, out = check(cfg)
    assert rc == 1, out
    assert re.search(rf"^{re.escape(str(cfg))}:{line}:\d+: ", out, re.M), out


def test_access_log_fields_and_no_query(echo_proxy):
    env, px, b = echo_proxy

    async def body():
        async with websockets.connect(px.url("/chat/room?token=s3cr3t&x=1"),
                                      ping_interval=None) as ws:
            await ws.send("hello")
            assert await ws.recv() == "hello"
            await ws.close(1000)
    h.run(body())
    h.raw_exchange(px.address, h.upgrade_request("/nowhere?token=s3cr3t", version="8"))
    a = px.wait_access(lambda a: str(a.get("path", "")).startswith("/chat"))[0]
    missing = [f for f in ACCESS_FIELDS + DIRECTION_FIELDS if f not in a]
    assert not missing, f"missing {missing} in {a}"
    assert a["path"] == "/chat/room"
    assert a["status"] == 101
    assert a["pool"] == "echo" and a["listener"] == "public"
    assert a["close_code"] == 1000
    assert a["messages_upstream"] == 1 and a["messages_downstream"] == 1
    assert a["bytes_upstream"] >= 5 and a["bytes_downstream"] >= 5
    assert a["server"] == "echo-1" and a["reject_reason"] in ("", None)
    assert isinstance(a["duration_ms"], (int, float)) and a["duration_ms"] >= 0
    assert a["client"].startswith("127.0.0.1")
    assert str(a["closed_by"]).startswith("client")
    r = px.wait_access(lambda a: str(a.get("path", "")).startswith("/nowhere"))[0]
    assert r["path"] == "/nowhere" and r["status"] == 426 and r["reject_reason"]
    assert "s3cr3t" not in px.log_text()
    assert "?x=1" not in px.log_text()


def test_sigint_is_graceful(echo_proxy):
    env, px, b = echo_proxy
    rc = px.proc.stop(signal.SIGINT, timeout=15)
    assert rc == 0, px.log_text()[-2000:]
