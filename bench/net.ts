// Small network helpers for the bench: a free TCP port, waiting for an HTTP route.
import net from 'node:net';

/** A port the kernel says is free right now (bind port 0, read it, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Polls `url` until it answers 200 with `{status:"ok"}`; resolves with ms waited, rejects after `timeoutMs`. */
export async function waitForHealth(url: string, timeoutMs: number, isAlive: () => boolean): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < timeoutMs) {
    if (!isAlive()) throw new Error('the hub exited before it was healthy');
    try {
      const res = await fetch(url);
      if (res.ok) {
        const body = (await res.json()) as { status?: string };
        if (body.status === 'ok') return performance.now() - started;
      }
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`${url} not healthy within ${timeoutMs} ms`);
}
