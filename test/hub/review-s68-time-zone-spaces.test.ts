// Review, session 68: a time zone written with a space. In the configuration, `"Europe/ London"` and
// `"America/New York"` were already refused with the zone meant; `" ist"` was told `did you mean 'ist'?`, an
// abbreviation that the start's advice then warned about. On the command line, `telecare replay --tz "America/New York"`
// ended on Intl's `Invalid time zone specified: America/New York` and `telecare simulate --tz` on `use an IANA name`,
// with no zone meant; `--tz BST` ran the replay on Asia/Dhaka's time without a word. One check now serves both (hub/config.ts
// timeZoneProblem, timeZoneOption). The real CLI.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { ONE_HOME_CONFIG, runCli, tempDir, writeConfig } from './helpers.js';

let dir: string;

beforeEach(() => {
  dir = tempDir('review-s68-time-zone-spaces');
});

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** `telecare hub --check-config` of the README's home with its `timezone` as written. */
function checkZone(timezone: string): { status: number | null; stderr: string } {
  const [home] = ONE_HOME_CONFIG.homes;
  return runCli(['hub', '--check-config', '--config', writeConfig(dir, { homes: [{ ...home, timezone }] })]);
}

/** One motion report, as `telecare replay` reads it. */
function eventsFile(): string {
  const file = path.join(dir, 'events.ndjson');
  fs.writeFileSync(
    file,
    '{"ts":"2026-01-12T08:00:00Z","homeId":"h1","deviceId":"hall","type":"motion","value":true}\n',
  );
  return file;
}

it('a home zone written with a space is refused with the zone meant', () => {
  for (const [written, meant] of [
    ['Europe/ London', 'Europe/London'],
    ['America/New York', 'America/New_York'],
    ['Europe/London ', 'Europe/London'],
  ] as const) {
    const run = checkZone(written);
    expect(run.status, written).toBe(1);
    expect(run.stderr, written).toContain(
      `homes[0].timezone: unknown time zone '${written}' (did you mean '${meant}'?)`,
    );
  }
});

it('an abbreviation written with a space is not offered as the zone meant', () => {
  const run = checkZone(' ist');
  expect(run.status).toBe(1);
  expect(run.stderr).toContain(
    "homes[0].timezone: unknown time zone ' ist': 'IST' is an abbreviation, not a time zone (alone it is read as Asia/",
  );
  expect(run.stderr).toContain("write the zone's Area/City name, e.g. 'Europe/London'");
  expect(run.stderr).not.toContain("did you mean 'ist'");
});

it('replay and simulate --tz refuse a zone with a space naming the zone meant, before reading anything', () => {
  const replay = runCli(['replay', '--input', eventsFile(), '--tz', 'America/New York']);
  expect(replay.status).toBe(1);
  expect(replay.stderr).toContain("--tz: unknown time zone 'America/New York' (did you mean 'America/New_York'?)");
  expect(replay.stdout).toBe('');
  const simulate = runCli(['simulate', '--tz', 'Europe/ London', '--days', '1', '--out', path.join(dir, 'sim.ndjson')]);
  expect(simulate.status).toBe(1);
  expect(simulate.stderr).toContain("--tz: unknown time zone 'Europe/ London' (did you mean 'Europe/London'?)");
  expect(fs.existsSync(path.join(dir, 'sim.ndjson'))).toBe(false);
});

it('replay --tz BST runs, warning that it is read as Asia/Dhaka; a zone name runs without a word', () => {
  const bst = runCli(['replay', '--input', eventsFile(), '--tz', 'BST', '--drain', '0']);
  expect(bst.status).toBe(0);
  expect(bst.stderr).toContain(
    "replay: warning: --tz 'BST' is an abbreviation, not a time zone: read as Asia/Dhaka's time",
  );
  const london = runCli(['replay', '--input', eventsFile(), '--tz', 'Europe/London', '--drain', '0']);
  expect(london.status).toBe(0);
  expect(london.stderr).not.toContain('warning');
});
