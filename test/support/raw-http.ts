// An HTTP request written as bytes on its own connection (what fetch will not send: a URL that cannot be decoded, a
// request that is not HTTP), and the check that an error answer has the product's body and headers (session 68).
import net from 'node:net';
import { expect } from 'vitest';

export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Sends `request` as bytes on a new connection and reads the answer until the server closes or it is complete. */
export async function rawHttp(port: number, request: string | Buffer): Promise<RawAnswer> {
  const socket = net.connect(port, '127.0.0.1');
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.on('error', () => undefined);
  socket.write(request);
  await new Promise<void>((resolve) => {
    const check = (): void => {
      const text = Buffer.concat(chunks).toString('utf8');
      const end = text.indexOf('\r\n\r\n');
      const length = /\r\ncontent-length: (\d+)/i.exec(text)?.[1];
      if (end >= 0 && length !== undefined && Buffer.byteLength(text.slice(end + 4)) >= Number(length)) resolve();
    };
    socket.on('data', check);
    socket.once('close', () => resolve());
  });
  socket.destroy();
  const text = Buffer.concat(chunks).toString('utf8');
  const [head = '', body = ''] = text.split('\r\n\r\n', 2);
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(statusLine.split(' ')[1]), headers, body };
}

/** What every error answer has: the product's `{ error, message }` body, its headers, nothing of a stack. */
export function expectProductError(answer: RawAnswer, status: number, error: string, hsts: boolean): void {
  expect(answer.status).toBe(status);
  const body = JSON.parse(answer.body) as Record<string, unknown>;
  expect(Object.keys(body).sort()).toEqual(['error', 'message']);
  expect(body.error).toBe(error);
  expect(answer.body).not.toMatch(/ at |\.js:|\.ts:/);
  expect({
    type: answer.headers['content-type'],
    cache: answer.headers['cache-control'],
    sniff: answer.headers['x-content-type-options'],
    hsts: answer.headers['strict-transport-security'],
  }).toEqual({
    type: 'application/json; charset=utf-8',
    cache: 'no-store',
    sniff: 'nosniff',
    hsts: hsts ? 'max-age=31536000' : undefined,
  });
}
