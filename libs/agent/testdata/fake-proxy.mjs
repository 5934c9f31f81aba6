#!/usr/bin/env node
// A small stand-in for the proxy: reads `-c <bootstrap.json>`, serves Envoy-like admin endpoints on
// the bootstrap's admin port and a data listener (GET /slow?ms=N answers after N ms) on the port of
// the first static listener whose name ends in `_data`, or FAKE_DATA_PORT. Like Envoy, SIGTERM
// exits at once; /drain_listeners stops accepting new connections.
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';

const i = process.argv.indexOf('-c');
if (i < 0) {
  console.error('usage: fake-proxy -c <bootstrap>');
  process.exit(2);
}
const bootstrap = JSON.parse(readFileSync(process.argv[i + 1], 'utf8'));
const adminPort = bootstrap.admin.address.socket_address.port_value;
const dataPort = Number(process.env.FAKE_DATA_PORT || 0);
let draining = false;
let served = 0;

const data = createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  const ms = Number(url.searchParams.get('ms') || 0);
  setTimeout(() => {
    served++;
    res.end(`ok after ${ms} ms from ${process.pid}\n`);
  }, ms);
});

const admin = createServer((req, res) => {
  const path = new URL(req.url, 'http://x').pathname;
  if (path === '/ready') return res.end(draining ? 'DRAINING\n' : 'LIVE\n');
  if (path === '/stats') {
    return res.end(
      ['server.state: 0', 'listener_manager.workers_started: 1', 'cluster_manager.cds.update_success: 1', 'listener_manager.lds.update_success: 1'].join('\n') + '\n',
    );
  }
  if (path === '/stats/prometheus') {
    return res.end(`# TYPE envoy_server_live gauge\nenvoy_server_live{} 1\n# TYPE envoy_fake_requests_total counter\nenvoy_fake_requests_total{} ${served}\n`);
  }
  if (path === '/drain_listeners' && req.method === 'POST') {
    draining = true;
    data.close();
    return res.end('OK\n');
  }
  if (path === '/quitquitquit' && req.method === 'POST') {
    res.end('OK\n');
    setTimeout(() => process.exit(0), 10);
    return;
  }
  res.statusCode = 404;
  res.end('not found\n');
});

process.on('SIGTERM', () => process.exit(0));
admin.listen(adminPort, '127.0.0.1', () => {
  if (dataPort) data.listen(dataPort, '127.0.0.1');
});
