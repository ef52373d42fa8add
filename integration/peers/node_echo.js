#!/usr/bin/env node
// Echo backend on Node `ws`: echoes every message with its type, echoes the
// close code and reason (ws does), and records connections and messages as
// JSON lines, in the same format as echo_server.py.
'use strict';
const fs = require('fs');
const crypto = require('crypto');
const { WebSocketServer } = require('ws');

function arg(name, dflt) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : dflt;
}
const port = Number(arg('--port'));
const recordPath = arg('--record', '/dev/null');
const fd = fs.openSync(recordPath, 'a');
function record(obj) {
  obj.t = Date.now() / 1000;
  fs.writeSync(fd, JSON.stringify(obj) + '\n');
}

const wss = new WebSocketServer({ host: '127.0.0.1', port, maxPayload: 256 * 1024 * 1024,
                                  perMessageDeflate: false });
wss.on('connection', (ws, req) => {
  const headers = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) headers.push([req.rawHeaders[i], req.rawHeaders[i + 1]]);
  record({ event: 'request', path: req.url, headers });
  ws.on('message', (data, isBinary) => {
    ws.send(data, { binary: isBinary });
    record({ event: 'message', type: isBinary ? 'binary' : 'text', len: data.length,
             sha1: crypto.createHash('sha1').update(data).digest('hex') });
  });
  ws.on('close', (code, reason) => record({ event: 'close', code, reason: reason.toString(), path: req.url }));
  ws.on('error', () => {});
});
wss.on('listening', () => {
  record({ event: 'ready', port });
  console.log(`node echo backend on 127.0.0.1:${port}`);
});
wss.on('connection', () => {});
wss._server.on('connection', (sock) => record({ event: 'tcp', peer: `${sock.remoteAddress}:${sock.remotePort}` }));
for (const s of ['SIGTERM', 'SIGINT']) process.on(s, () => { wss.close(); process.exit(0); });
