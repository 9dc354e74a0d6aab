// The routes a Fastify app serves, read from its own route tree: a route × caller table can then fail when a route is
// added without a row (review, session 73).
import type { FastifyInstance } from 'fastify';

/** Every route of `app` as `METHOD pattern` (HEAD included, as Fastify adds it to each GET), sorted. */
export function servedRoutes(app: FastifyInstance): string[] {
  const tree = app.printRoutes({ commonPrefix: false });
  const stack: { depth: number; path: string }[] = [];
  const routes: string[] = [];
  for (const line of tree.split('\n')) {
    const match = /^([│ ]*)[└├]── (\S+) \(([^)]+)\)/.exec(line);
    if (!match) continue;
    const depth = match[1]!.length / 4;
    while (stack.length > 0 && stack[stack.length - 1]!.depth >= depth) stack.pop();
    const parent = stack[stack.length - 1]?.path ?? '';
    const segment = match[2]!;
    const joined = parent.endsWith('/') || segment.startsWith('/') ? parent + segment : `${parent}/${segment}`;
    const path = parent === '' ? segment : joined;
    stack.push({ depth, path });
    for (const method of match[3]!.split(', ')) routes.push(`${method} ${path}`);
  }
  return routes.sort();
}
