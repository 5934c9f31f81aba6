// Publishes a pod port on a host loopback port: a user-space TCP relay in the runner process, so the host needs
// no DNAT rule and no forwarding.
import net from 'node:net';

/** A listening relay. */
export interface PortForward {
  port: number;
  close(): Promise<void>;
}

/** Listens on host:port (0 = any free port) and relays every connection to target. */
export function forwardPort(target: { host: string; port: number }, port = 0, host = '127.0.0.1'): Promise<PortForward> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const addr = server.address();
      resolve({
        port: typeof addr === 'object' && addr ? addr.port : port,
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}
