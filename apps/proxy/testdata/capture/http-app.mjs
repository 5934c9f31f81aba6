// Test app for capture-netns.spec.ts, run inside a network namespace as a plain (non-proxy) user.
//   node http-app.mjs <host> <port> <tag>
// Answers every request with JSON describing what it saw (so the test can tell which hop reached it), logs one
// JSON line per request on stdout, prints "ready" once listening, and exits by itself after 120 s at the latest.
import http from 'node:http';

const [host = '0.0.0.0', portText = '0', tag = 'app'] = process.argv.slice(2);
const server = http.createServer((req, res) => {
  const seen = {
    tag,
    method: req.method,
    url: req.url,
    headers: req.headers,
    remoteAddress: req.socket.remoteAddress,
    localAddress: req.socket.localAddress,
    localPort: req.socket.localPort,
    uid: process.getuid?.(),
  };
  process.stdout.write(`${JSON.stringify({ request: seen })}\n`);
  const body = JSON.stringify(seen);
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
});
server.listen(Number(portText), host, () => process.stdout.write('ready\n'));
setTimeout(() => process.exit(0), 120_000).unref();
process.on('SIGTERM', () => process.exit(0));
