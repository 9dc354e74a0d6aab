// Where a pendant press's turn goes, from a CPU profile of the hub: `node dist/bench/turnProfile.js FILE.cpuprofile
// [ROOT]` takes the samples whose stack holds a function named ROOT (default: the embedded broker's `publishDirect`,
// where the hub takes a QoS 1 PUBLISH in itself since session 27; `client.handleMessage` for the hub on an external
// broker) and puts each in one group, the first of the
// list below found on its stack from the sampled function outwards. Prints JSON: the share of each group (%).
// Profile the hub while it is pressed, without the trace's instrumentation:
//   node --cpu-prof --cpu-prof-dir DIR --cpu-prof-interval 50 dist/bench/hotPathTrace.js --cpu --presses 600 --bench-gaps
// (the largest .cpuprofile in DIR is the hub's process).
import fs from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
}

/** A group: its name, and whether a sample belongs to it (its stack as `function@file`, the sampled one first). */
const GROUPS: [string, (stack: string[]) => boolean][] = [
  ['alert transaction: BEGIN IMMEDIATE and COMMIT (SQLite)', (s) => s[0]?.startsWith('sqliteTransaction@') === true],
  ['rules engine (handle; handleFirst since session 26)', (s) => s.some((f) => /^handle(First)?@engine\.js/.test(f))],
  ['ingest (topic, JSON, checks)', (s) => s.some((f) => f.startsWith('fromMqtt@ingest.js'))],
  ['outbox row insert', (s) => s[0]?.startsWith('enqueue@outbox.js') === true],
  ['audit row insert', (s) => s.some((f) => f.startsWith('writeAudit@'))],
  ['alert row built (ladder, id, detail JSON, dates)', (s) => s.some((f) => f.startsWith('newAlertRow@'))],
  ['the Alert and its MQTT JSON', (s) => s.some((f) => /^(notifications|madeFrom|alertOf)@changes\.js/.test(f))],
  ['the MQTT publish (outbox → broker)', (s) => s.some((f) => f.startsWith('deliver@outbox.js'))],
  ['after the publish: dashboard listeners', (s) => s.some((f) => f.startsWith('tellListeners@'))],
  ['after the publish: escalation timer', (s) => s.some((f) => f.startsWith('rearm@service.js'))],
  ['alert transaction: open-alert read, alert row insert', (s) => s.some((f) => f.startsWith('sqliteTransaction@'))],
  [
    'the raise otherwise (busy-timeout pragmas before session 25, metrics, log scheduling)',
    (s) => s.some((f) => f.startsWith('raise@lifecycle.js')),
  ],
  ['the event batch and rules feed (hub.ts, store append)', (s) => s.some((f) => f.startsWith('storeAndRun@'))],
  ['the rest (broker or client: ACL, retain check, PUBACK bookkeeping, mqtt.js)', () => true],
];

function main(): void {
  const [file, root = 'publishDirect'] = process.argv.slice(2);
  if (!file) throw new Error('usage: turnProfile FILE.cpuprofile [ROOT]');
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const label = (n: ProfileNode): string => `${n.callFrame.functionName}@${n.callFrame.url.replace(/.*\//, '')}`;
  const counts = new Map<string, number>(GROUPS.map(([name]) => [name, 0]));
  let inTurn = 0;
  for (const sample of profile.samples) {
    const stack: string[] = [];
    let underRoot = false;
    for (let id: number | undefined = sample; id !== undefined; id = parent.get(id)) {
      const node = byId.get(id);
      if (!node) break;
      stack.push(label(node));
      if (node.callFrame.functionName === root) underRoot = true;
    }
    if (!underRoot) continue;
    inTurn++;
    const group = GROUPS.find(([, test]) => test(stack));
    if (group) counts.set(group[0], (counts.get(group[0]) ?? 0) + 1);
  }
  const shares = Object.fromEntries(
    [...counts].map(([name, n]) => [name, inTurn > 0 ? Math.round((1000 * n) / inTurn) / 10 : 0]),
  );
  process.stdout.write(`${JSON.stringify({ root, samples: inTurn, sharesPercent: shares }, null, 2)}\n`);
}

main();
