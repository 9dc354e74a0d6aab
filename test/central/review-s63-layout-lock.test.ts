// Review, session 63: hubs added at the same time were lost from the cluster's layout. `telecare central hub add`
// read `cluster.json`, hashed the new password (bcrypt: a good part of a second) and wrote the whole file back; the
// workers' quarantine and `hub remove` do the same. An installer adding a scheme's hubs in parallel (or a quarantine
// written during an add) got every command's "Hub ... added" and its password, but only the last writer's copy was
// kept: the other boxes were refused by NATS as unknown users. Measured: four adds at once kept two. Now every change
// of the layout is made under a lock file (`cluster.json.lock`, taken over from a holder that died), and the password is
// hashed before it is taken.
//
// The command as an installer runs it, six at once, on a real layout in a temp folder (no NATS node needs to run: the
// layout and the nodes' configs are what is checked), with a lock left by a command that was killed.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLayout, layoutPath, loadLayout } from '../../central/nats-cluster.js';
import { cliPath, tempDir } from '../hub/helpers.js';

const dir = tempDir('central-s63-layout-lock');

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function hubAdd(hubId: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cliPath, 'central', 'hub', 'add', hubId, '--cluster-dir', dir]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('review s63: hubs added at the same time', () => {
  it('keeps every hub that six adds at once said they added, in the layout and in every node’s config', async () => {
    await createLayout({ dir, bcryptCost: 4 });
    // A lock left by an add that was killed during its change (its process is gone).
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    fs.writeFileSync(`${layoutPath(dir)}.lock`, String(dead));

    const hubIds = ['flat-1', 'flat-2', 'flat-3', 'flat-4', 'flat-5', 'flat-6'];
    const results = await Promise.all(hubIds.map(hubAdd));
    for (const r of results) {
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/HUB_UPLINK_PASSWORD=\S+/);
    }
    const layout = loadLayout(dir);
    expect(layout.hubs.map((h) => h.hubId).sort()).toEqual(hubIds);
    for (const node of ['n1', 'n2', 'n3']) {
      const config = fs.readFileSync(path.join(dir, node, 'nats.conf'), 'utf8');
      for (const hubId of hubIds) expect(config).toContain(`user: "${hubId}"`);
    }
    expect(fs.existsSync(`${layoutPath(dir)}.lock`)).toBe(false);
  }, 120_000);
});
