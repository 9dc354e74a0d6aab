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

// Bad bodies for every write route of the hub's dashboard and the centre's console (the route × caller tests).

/** `[[[…]]]` nested `depth` deep, as JSON text: well under the 64 KiB body bound. */
export const deep = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);
/** What each field of a write route's body is replaced with, one at a time (JSON text). */
export const WRONG_VALUES: string[] = [
  '12345',
  'true',
  'null',
  '[]',
  '{}',
  '["a"]',
  '{"a":1}',
  JSON.stringify('x'.repeat(5_000)),
  '""',
  deep(5_000),
];
/** `body` with `field` set to the JSON text `raw`. */
export const withField = (body: Record<string, unknown>, field: string, raw: string): string =>
  JSON.stringify({ ...body, [field]: '@@spoilt@@' }).replace('"@@spoilt@@"', raw);
