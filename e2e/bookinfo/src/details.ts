// details: book details by product id (upstream samples/bookinfo/src/details, v1 behaviour).
import type { Server } from 'node:http';
import { sendJson, serve } from './http-util.ts';

export interface DetailsOptions {
  port: number;
  host?: string;
}

export function bookDetails(id: number): Record<string, unknown> {
  return {
    id,
    author: 'William Shakespeare',
    year: 1595,
    type: 'paperback',
    pages: 200,
    publisher: 'PublisherA',
    language: 'English',
    'ISBN-10': '1234567890',
    'ISBN-13': '123-1234567890',
  };
}

export function startDetails(opts: DetailsOptions): Promise<Server> {
  return serve(
    [
      { method: 'GET', path: /^\/health$/, handler: (_q, res) => sendJson(res, 200, { status: 'Details is healthy' }) },
      {
        method: 'GET',
        path: /^\/details\/([^/]*)$/,
        handler: (_q, res, [id]) => {
          if (!id || !/^-?\d+$/.test(id)) return sendJson(res, 400, { error: 'please provide numeric product id' });
          sendJson(res, 200, bookDetails(Number(id)));
        },
      },
    ],
    opts.port,
    opts.host ?? '0.0.0.0',
  );
}
