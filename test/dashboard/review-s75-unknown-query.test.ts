// A misspelt query parameter on the hub's dashboard (review, session 75): Fastify's validator dropped a parameter a
// route's query schema did not name, so `GET /api/alerts?homeid=h2` listed every home's alerts as if unfiltered,
// `?stat=open` answered the last 200 of every state, `/api/reports/prevention?fromat=csv` gave JSON: a program or a
// person reading the answer could not tell the filter had been ignored. Each route that takes query parameters is
// asked, over real HTTP to a running hub (real SQLite in a temp folder), with a misspelt one: a 400 that names it and
// the one meant; then the right spelling, which filters (so the refusal is not a route that refuses everything).
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseHubConfig } from '../../hub/config.js';
import type { RunningHub } from '../../hub/hub.js';
import { adminSession, dashboardUrl, pressOverHttp, startTestHub } from '../support/in-process-hub.js';
import { ONE_HOME_CONFIG, tempDir } from '../hub/helpers.js';

const TWO_HOMES = {
  ...ONE_HOME_CONFIG,
  homes: [
    ...ONE_HOME_CONFIG.homes,
    {
      id: 'h2',
      timezone: 'Europe/London',
      residents: [{ id: 'r2' }],
      devices: [{ id: 'p2', kind: 'pendant', room: 'living' }],
    },
  ],
};

let dir: string;
let hub: RunningHub;
let base: string;
let admin: string;

async function get(path: string): Promise<{ status: number; type: string; body: unknown }> {
  const res = await fetch(`${base}${path}`, { headers: { cookie: admin } });
  const text = await res.text();
  const type = res.headers.get('content-type') ?? '';
  return { status: res.status, type, body: type.includes('json') ? (JSON.parse(text) as unknown) : text };
}

const homesOf = (body: unknown): string[] => [...new Set((body as { homeId: string }[]).map((a) => a.homeId))].sort();

beforeAll(async () => {
  dir = tempDir('s75-unknown-query');
  hub = await startTestHub(parseHubConfig(TWO_HOMES), dir);
  base = dashboardUrl(hub);
  admin = await adminSession(hub);
  await pressOverHttp(hub, admin, 'h1', 'p1');
  await pressOverHttp(hub, admin, 'h2', 'p2');
}, 60_000);

afterAll(async () => {
  await hub?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('a misspelt query parameter on the dashboard', () => {
  it('GET /api/alerts: a misspelt filter is refused and named, not ignored', async () => {
    const wrong = await get('/api/alerts?homeid=h2');
    expect(wrong.status).toBe(400);
    expect((wrong.body as { message: string }).message).toMatch(/unknown field "homeid" \(did you mean "homeId"\?\)/);
    const state = await get('/api/alerts?stat=open');
    expect(state.status).toBe(400);
    expect((state.body as { message: string }).message).toMatch(/"stat" \(did you mean "state"\?\)/);
    // Spelt right, the filter filters: one home's alerts, and the limit still read as a number.
    const right = await get('/api/alerts?homeId=h2&limit=5');
    expect(right.status).toBe(200);
    expect(homesOf(right.body)).toEqual(['h2']);
    expect(homesOf((await get('/api/alerts')).body)).toEqual(['h1', 'h2']);
    expect((await get('/api/alerts?limit=five')).status).toBe(400);
  });

  it('GET /api/homes/:id/activity: a misspelt date is refused, not replaced by the last 28 days', async () => {
    const wrong = await get('/api/homes/h1/activity?form=2026-11-01&to=2026-11-07');
    expect(wrong.status).toBe(400);
    expect((wrong.body as { message: string }).message).toMatch(/"form" \(did you mean "from"\?\)/);
    const right = await get('/api/homes/h1/activity?from=2026-11-01&to=2026-11-07');
    expect(right.status).toBe(200);
    expect(Array.isArray(right.body)).toBe(true);
    // The parameter spelt right is read: a date that is none is refused.
    expect((await get('/api/homes/h1/activity?from=2026-13-01&to=2026-11-07')).status).toBe(400);
  });

  it('GET /api/reports/prevention: a misspelt format is refused, not answered as JSON', async () => {
    const wrong = await get('/api/reports/prevention?from=2026-09-01&to=2026-11-30&fromat=csv');
    expect(wrong.status).toBe(400);
    expect((wrong.body as { message: string }).message).toMatch(/"fromat" \(did you mean "format"\?\)/);
    const right = await get('/api/reports/prevention?from=2026-09-01&to=2026-11-30&format=csv');
    expect(right.status).toBe(200);
    expect(right.type).toMatch(/text\/csv/);
  });
});
