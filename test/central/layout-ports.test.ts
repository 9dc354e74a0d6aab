// A NATS cluster layout's ports are distinct, even when the OS has few free ones to give. Ports picked one after
// another (listen on 0, close, next) can repeat: the last one is free again, and the OS picks at random among the
// free ones (24 of 3,000 twelve-port layouts had a repeat here, docs/testing.md, session 32), and a node whose port
// another node took exits at start. The layout is made in a network namespace of its own (`unshare -rn`, so the
// machine's own range is untouched) whose ephemeral range holds exactly twelve ports: picked one at a time with
// each closed before the next, a repeat is certain (Linux gives bind(0) ports of one parity first: six).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot, tempDir } from '../hub/helpers.js';

const RANGE = '40000 40011';

/** Why a network namespace with its own port range cannot be made here, or undefined. */
function namespaceMissing(): string | undefined {
  const probe = spawnSync('unshare', ['-rn', 'sh', '-c', `echo "${RANGE}" > /proc/sys/net/ipv4/ip_local_port_range`], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (probe.error) return probe.error.message;
  if (probe.status !== 0) return `unshare -rn: ${probe.stderr.trim() || `exit ${String(probe.status)}`}`;
  return undefined;
}

const missing = namespaceMissing();
if (missing) console.warn(`skipping the layout ports test (no network namespace of its own): ${missing}`);

const dir = tempDir('layout-ports');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const script = `
const { createLayout } = await import(process.argv[1]);
const { layout } = await createLayout({ dir: process.argv[2], bcryptCost: 4 });
console.log(JSON.stringify(layout.nodes));
`;

describe.skipIf(missing !== undefined)('a NATS cluster layout', () => {
  it('gets twelve distinct ports where the OS has exactly twelve to give', () => {
    const run = spawnSync(
      'unshare',
      [
        '-rn',
        'sh',
        '-c',
        `echo "${RANGE}" > /proc/sys/net/ipv4/ip_local_port_range && exec "$0" --input-type=module -e "$1" "$2" "$3"`,
        process.execPath,
        script,
        path.join(projectRoot, 'dist/central/nats-cluster.js'),
        path.join(dir, 'nats'),
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(run.status, run.stderr).toBe(0);
    const nodes = JSON.parse(run.stdout) as { client: number; cluster: number; mqtt: number; monitor: number }[];
    expect(nodes).toHaveLength(3);
    const ports = nodes.flatMap((n) => [n.client, n.cluster, n.mqtt, n.monitor]);
    expect(ports.every((p) => p >= 40000 && p <= 40011)).toBe(true);
    expect(new Set(ports).size).toBe(12);
  });
});
