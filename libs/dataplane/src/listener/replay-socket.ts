// A Duplex over a net.Socket whose first bytes were already read by a listener filter. node:http2 and node:tls
// bypass JavaScript buffers when handed a real socket, so after sniffing they get this wrapper instead.
import { Duplex } from 'node:stream';
import type { Socket } from 'node:net';

/** Wraps `socket` (with sniffed bytes already unshifted) so its buffered data is delivered first. */
export class ReplaySocket extends Duplex {
  readonly socket: Socket;
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;
  readonly localAddress: string | undefined;
  readonly localPort: number | undefined;
  readonly remoteFamily: string | undefined;

  constructor(socket: Socket) {
    super({ allowHalfOpen: true });
    this.socket = socket;
    this.remoteAddress = socket.remoteAddress;
    this.remotePort = socket.remotePort;
    this.localAddress = socket.localAddress;
    this.localPort = socket.localPort;
    this.remoteFamily = socket.remoteFamily;
    socket.on('data', (c: Buffer) => {
      if (!this.push(c)) socket.pause();
    });
    socket.once('end', () => this.push(null));
    socket.once('close', () => this.destroy());
    socket.once('error', (e) => this.destroy(e));
  }

  override _read(): void {
    this.socket.resume();
  }

  override _write(chunk: Buffer, enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.socket.write(chunk, enc, cb);
  }

  override _final(cb: (e?: Error | null) => void): void {
    this.socket.end();
    cb();
  }

  override _destroy(err: Error | null, cb: (e: Error | null) => void): void {
    this.socket.destroy();
    cb(err);
  }

  setTimeout(ms: number, cb?: () => void): this {
    this.socket.setTimeout(ms, cb);
    return this;
  }
  setNoDelay(v?: boolean): this {
    this.socket.setNoDelay(v);
    return this;
  }
  setKeepAlive(v?: boolean, d?: number): this {
    this.socket.setKeepAlive(v, d);
    return this;
  }
  ref(): this {
    this.socket.ref();
    return this;
  }
  unref(): this {
    this.socket.unref();
    return this;
  }
}
