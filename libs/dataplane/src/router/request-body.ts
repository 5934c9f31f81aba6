// Request body that streams to the first upstream attempt while recording it (up to a limit) so that retries
// and mirrors can replay it. Past the limit the body still streams, but can no longer be replayed.
import type { Readable, Writable } from 'node:stream';

/** A downstream request body shared by upstream attempts. */
export class RequestBody {
  private readonly source: Readable;
  private readonly limit: number;
  private chunks: Buffer[] = [];
  private size = 0;
  private sink: Writable | undefined;
  ended = false;
  overflow = false;
  aborted = false;
  private readonly onData: (c: Buffer) => void;
  private readonly onEnd: () => void;
  private readonly onDrain: () => void;
  private readonly endWaiters: (() => void)[] = [];

  constructor(source: Readable, limit: number, hasBody: boolean) {
    this.source = source;
    this.limit = limit;
    this.onData = (c) => this.data(c);
    this.onEnd = () => this.end();
    this.onDrain = () => this.source.resume();
    if (!hasBody) {
      this.ended = true;
      source.resume();
      return;
    }
    source.on('data', this.onData);
    source.once('end', this.onEnd);
    source.once('aborted', () => (this.aborted = true));
  }

  private data(c: Buffer): void {
    if (!this.overflow) {
      this.chunks.push(c);
      this.size += c.length;
      if (this.size > this.limit) {
        this.overflow = true;
        this.chunks = [];
      }
    }
    if (this.sink && !this.sink.write(c)) {
      this.source.pause();
      this.sink.once('drain', this.onDrain);
    }
  }

  private end(): void {
    this.ended = true;
    this.sink?.end();
    for (const w of this.endWaiters.splice(0)) w();
  }

  /** True when a new attempt can still get the whole body. */
  replayable(first: boolean): boolean {
    return first || !this.overflow;
  }

  /** Sends the body to an upstream request: the recorded part, then live data until the end. */
  attach(sink: Writable): void {
    this.sink = sink;
    for (const c of this.chunks) sink.write(c);
    if (this.ended) sink.end();
    else this.source.resume();
  }

  /** Stops feeding a failed attempt. */
  detach(sink: Writable): void {
    if (this.sink === sink) {
      sink.removeListener('drain', this.onDrain);
      this.sink = undefined;
      this.source.resume();
    }
  }

  /** The recorded body once complete (for mirrors); undefined when it overflowed. */
  whenComplete(cb: (body: Buffer[] | undefined) => void): void {
    if (this.ended) cb(this.overflow ? undefined : this.chunks);
    else this.endWaiters.push(() => cb(this.overflow ? undefined : this.chunks));
  }
}
