#!/usr/bin/python3
"""Misbehaving backends on a raw socket.

  --mode silent   accept, read, never answer (the proxy must give 504)
  --mode reset    accept and reset at once (a failure before the 101: retry, then 502)

Every accepted connection and every byte count is recorded as JSON lines.
"""
import argparse
import json
import selectors
import signal
import socket
import struct
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--mode", choices=["silent", "reset"], required=True)
    ap.add_argument("--record", default="/dev/null")
    ap.add_argument("--max-seconds", type=float, default=600)
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
    held = []
    deadline = time.monotonic() + a.max_seconds
    while time.monotonic() < deadline:
        for key, _ in sel.select(timeout=0.5):
            if key.fileobj is ls:
                c, peer = ls.accept()
                record(event="tcp", peer=f"{peer[0]}:{peer[1]}")
                if a.mode == "reset":
                    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    c.close()
                else:
                    held.append(c)
                    sel.register(c, selectors.EVENT_READ)
            else:
                data = key.fileobj.recv(65536)
                if data:
                    record(event="bytes", len=len(data))
                else:
                    sel.unregister(key.fileobj)
                    key.fileobj.close()


if __name__ == "__main__":
    main()
