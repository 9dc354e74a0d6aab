// The files `telecare export --out` and `telecare replay --features` write hold what a home's sensors said (when the
// resident got up, went to the bathroom, pressed the pendant): personal data, as hub.db, which the hub keeps 0600. With
// the usual umask (022) they were made 0644, readable by every user of the Pi (review, session 60, round 2). The real
// hub on a fake clock stores the events through its embedded broker; the compiled CLI writes the files.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ONE_HOME_CONFIG, tempDir, writeConfig } from '../hub/helpers.js';
import { storedMorning, telecare } from './stored-morning.js';

let dir: string;

beforeEach(() => {
  dir = tempDir('private-output');
});

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const modeOf = (file: string): string => (fs.statSync(file).mode & 0o777).toString(8);

describe('files of personal data written by the CLI', () => {
  it('telecare export --out and replay --features write files only their owner may read, an earlier copy too', async () => {
    const configFile = writeConfig(dir, ONE_HOME_CONFIG);
    const dataDir = await storedMorning(dir);
    const out = path.join(dir, 'h1.ndjson');
    const exportArgs = ['export', '--home', 'h1', '--from', '2026-11-23', '--to', '2026-11-23'];
    const exported = telecare([...exportArgs, '--data-dir', dataDir, '--config', configFile, '--out', out]);
    expect(exported.status, exported.stderr).toBe(0);
    expect(exported.stderr).toContain('h1: 2 events');
    expect(modeOf(out)).toBe('600');

    const features = path.join(dir, 'h1-features.ndjson');
    const replayed = telecare(['replay', '--input', out, '--config', configFile, '--features', features]);
    expect(replayed.status, replayed.stderr).toBe(0);
    expect(fs.readFileSync(features, 'utf8')).toContain('"homeId":"h1"');
    expect(modeOf(features)).toBe('600');

    // A copy an earlier version left open to everyone is narrowed as it is written again.
    fs.chmodSync(out, 0o644);
    fs.chmodSync(features, 0o644);
    expect(telecare([...exportArgs, '--data-dir', dataDir, '--config', configFile, '--out', out]).status).toBe(0);
    expect(telecare(['replay', '--input', out, '--config', configFile, '--features', features]).status).toBe(0);
    expect(modeOf(out)).toBe('600');
    expect(modeOf(features)).toBe('600');
  }, 120_000);
});
