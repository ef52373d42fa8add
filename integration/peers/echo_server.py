#!/usr/bin/python3
"""Echo backend on Python `websockets` (10.x legacy server API).

Echoes every message, answers a close with the same code and reason (the
library does that), and records every TCP connection, request and message to a
JSON-lines file so tests can prove what reached the backend, or that nothing did.

Paths with a meaning:
  /_close/<code>/<reason>   close with that code right after the handshake
  /_status/<code>           refuse the upgrade with that HTTP status and a body
  /_flood/<mib>             send <mib> MiB in 64 KiB binary messages as fast as TCP allows
"""
import argparse
import asyncio
import hashlib
import http
import json
import signal
import sys
import time

import websockets
import websockets.server

RECORD = None


def record(**kw):
    kw["t"] = time.time()
    RECORD.write(json.dumps(kw) + "\n")
    RECORD.flush()


class RecordingProtocol(websockets.server.WebSocketServerProtocol):
    def connection_made(self, transport):
        peer = transport.get_extra_info("peername")
        record(event="tcp", peer=f"{peer[0]}:{peer[1]}")
        super().connection_made(transport)


async def process_request(path, headers):
    record(event="request", path=path, headers=[[k, v] for k, v in headers.raw_items()])
    if path.startswith("/_status/"):
        code = int(path.split("/")[2])
        return http.HTTPStatus(code), [("Content-Type", "text/plain"), ("X-Backend", "echo")], \
            b"denied by backend\n"
    return None


def describe(msg):
    data = msg.encode() if isinstance(msg, str) else msg
    return {"type": "text" if isinstance(msg, str) else "binary", "len": len(data),
            "sha1": hashlib.sha1(data).hexdigest()}


async def handler(ws, path):
    try:
        if path.startswith("/_close/"):
            parts = path.split("/")
            await ws.close(int(parts[2]), parts[3] if len(parts) > 3 else "")
        elif path.startswith("/_flood/"):
            total = int(path.split("/")[2]) << 20
            chunk = b"F" * 65536
            sent = 0
            while sent < total:
                await ws.send(chunk)
                sent += len(chunk)
            record(event="flood_done", bytes=sent)
        async for msg in ws:
            await ws.send(msg)
            record(event="message", **describe(msg))
    except websockets.ConnectionClosed:
        pass
    finally:
        record(event="close", code=ws.close_code, reason=ws.close_reason, path=path)


async def main(port):
    stop = asyncio.get_running_loop().create_future()
    for s in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(s, stop.set_result, None)
    async with websockets.serve(handler, "127.0.0.1", port, create_protocol=RecordingProtocol,
                                process_request=process_request, max_size=None,
                                max_queue=None, ping_interval=None, compression=None):
        record(event="ready", port=port)
        print(f"echo backend on 127.0.0.1:{port}", flush=True)
        await stop


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--record", default="/dev/null")
    a = ap.parse_args()
    RECORD = open(a.record, "a")
    try:
        asyncio.run(main(a.port))
    except KeyboardInterrupt:
        sys.exit(0)
