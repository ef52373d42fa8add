#!/usr/bin/python3
"""Backends that end a connection in one scripted way, on a raw socket.

  --mode chunked403   answer the upgrade with a 403 whose body is chunked (no
                      Content-Length), keep-alive, and keep the connection open
  --mode close_half   complete the upgrade, send close 1000, shut down our
                      sending side (SHUT_WR) and read until the proxy closes
  --mode sink         complete the upgrade, then read and ignore everything
                      (never answers a close frame)

Every connection is recorded as JSON lines: tcp, upgraded, bytes (len), eof,
each with a wall-clock time "t" so a test can time the proxy's behaviour.
"""
import argparse
import base64
import hashlib
import json
import selectors
import signal
import socket
import sys
import time

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
CHUNKED_403 = (b"HTTP/1.1 403 Forbidden\r\nTransfer-Encoding: chunked\r\n"
               b"Connection: keep-alive\r\n\r\n5\r\nhello\r\n0\r\n\r\n")


def accept_value(key):
    return base64.b64encode(hashlib.sha1(key.encode() + GUID).digest()).decode()


def upgrade_answer(head):
    key = ""
    for line in head.decode("latin-1").split("\r\n")[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "sec-websocket-key":
            key = value.strip()
    return ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Accept: {accept_value(key)}\r\n\r\n").encode()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--mode", choices=["chunked403", "close_half", "sink"], required=True)
    ap.add_argument("--record", default="/dev/null")
    ap.add_argument("--max-seconds", type=float, default=120)
    a = ap.parse_args()
    rec = open(a.record, "a")

    def record(**kw):
        kw["t"] = time.time()
        rec.write(json.dumps(kw) + "\n")
        rec.flush()

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", a.port))
    ls.listen(64)
    sel = selectors.DefaultSelector()
    sel.register(ls, selectors.EVENT_READ)
    record(event="ready", port=a.port)
    heads = {}  # socket -> request bytes until the head is complete; absent after
    deadline = time.monotonic() + a.max_seconds
    while time.monotonic() < deadline:
        for key, _ in sel.select(timeout=0.5):
            if key.fileobj is ls:
                c, peer = ls.accept()
                record(event="tcp", peer=f"{peer[0]}:{peer[1]}")
                heads[c] = b""
                sel.register(c, selectors.EVENT_READ)
                continue
            c = key.fileobj
            try:
                data = c.recv(65536)
            except ConnectionError:
                data = b""
            if not data:
                record(event="eof")
                sel.unregister(c)
                heads.pop(c, None)
                c.close()
                continue
            if c not in heads:
                record(event="bytes", len=len(data))
                continue
            heads[c] += data
            if b"\r\n\r\n" not in heads[c]:
                continue
            head, _, rest = heads.pop(c).partition(b"\r\n\r\n")
            if a.mode == "chunked403":
                c.sendall(CHUNKED_403)
                record(event="answered", status=403)
            else:
                c.sendall(upgrade_answer(head))
                record(event="upgraded")
                if a.mode == "close_half":
                    c.sendall(b"\x88\x02\x03\xe8")  # close 1000, unmasked
                    c.shutdown(socket.SHUT_WR)
                    record(event="sent_close", code=1000)
            if rest:
                record(event="bytes", len=len(rest))


if __name__ == "__main__":
    main()
