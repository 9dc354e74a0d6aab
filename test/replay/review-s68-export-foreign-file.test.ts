// Review, session 68: `telecare export --out` and `replay --features` made their file 0600 (session 60), but wrote into
// whatever the path already was: a file another account of the Pi had made ready there (run as root, the export landed
// in it, narrowed to 0600 and still its owner's to read), or a symbolic link someone pointed at a file of the one
// running the CLI (emptied and overwritten with a home's events). Both are now refused before anything is written.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliPath, ONE_HOME_CONFIG, tempDir, writeConfig } from '../hub/helpers.js';
import { storedMorning, telecare } from './stored-morning.js';

/** An account of the Pi other than the one running the CLI (`nobody`, uid 65534 on Debian). */
const OTHER_UID = 65_534;
const asRoot = process.getuid?.() === 0;

let dir: string;
let dataDir: string;
let configFile: string;

beforeAll(async () => {
  dir = tempDir('review-s68-export');
  configFile = writeConfig(dir, ONE_HOME_CONFIG);
  dataDir = await storedMorning(dir);
}, 120_000);

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const exportTo = (out: string): { status: number | null; stderr: string } =>
  telecare([
    'export',
    ...['--home', 'h1', '--from', '2026-11-23', '--to', '2026-11-23'],
    ...['--data-dir', dataDir, '--config', configFile, '--out', out],
  ]);

describe('files of personal data the CLI will not write into (session 68)', () => {
  it('a symbolic link to a file is refused, and the file it points at is left as it was', () => {
    const victim = path.join(dir, 'installer-notes.txt');
    fs.writeFileSync(victim, 'the installer’s own notes\n');
    const link = path.join(dir, 'h1-link.ndjson');
    fs.symlinkSync(victim, link);
    const exported = exportTo(link);
    expect(exported.status).not.toBe(0);
    expect(exported.stderr).toContain('symbolic link');
    expect(fs.readFileSync(victim, 'utf8')).toBe('the installer’s own notes\n');
    // The features file of a replay likewise.
    const features = path.join(dir, 'features-link.ndjson');
    fs.symlinkSync(victim, features);
    const input = path.join(dir, 'h1.ndjson');
    expect(exportTo(input).status).toBe(0);
    const replayed = telecare(['replay', '--input', input, '--config', configFile, '--features', features]);
    expect(replayed.status).not.toBe(0);
    expect(fs.readFileSync(victim, 'utf8')).toBe('the installer’s own notes\n');
  });

  it('a link to a pipe or a device is still followed (/dev/stdout)', () => {
    const r = spawnSync(
      '/bin/sh',
      ['-c', 'exec "$0" "$@" | wc -l', process.execPath, ...exportArgsFor('/dev/stdout')],
      {
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('2');
  });

  it.skipIf(!asRoot)('a file another user made ready is refused, and nothing is written into it', () => {
    // Another account's folder of shared files, and its empty file there, open to everyone.
    const shared = path.join(dir, 'shared');
    fs.mkdirSync(shared, { mode: 0o777 });
    fs.chmodSync(shared, 0o777);
    const planted = path.join(shared, 'h1.ndjson');
    fs.writeFileSync(planted, '');
    fs.chownSync(planted, OTHER_UID, OTHER_UID);
    fs.chmodSync(planted, 0o666);
    const exported = exportTo(planted);
    expect(exported.status).not.toBe(0);
    expect(exported.stderr).toContain('belongs to another user');
    expect(fs.readFileSync(planted, 'utf8')).toBe('');
    // A file of the one running the CLI is written as before.
    const own = path.join(shared, 'own.ndjson');
    expect(exportTo(own).status).toBe(0);
    expect(fs.readFileSync(own, 'utf8').split('\n').filter(Boolean)).toHaveLength(2);
  });
});

function exportArgsFor(out: string): string[] {
  return [
    cliPath,
    'export',
    ...['--home', 'h1', '--from', '2026-11-23', '--to', '2026-11-23'],
    ...['--data-dir', dataDir, '--config', configFile, '--out', out],
  ];
}
