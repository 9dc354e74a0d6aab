// `telecare hub --check-config` on more of an installer's slips (review, session 67). A home's time zone written as
// people say it, "BST" or "GMT", was taken without a word: "BST" is one of the short names Intl still reads, as
// Asia/Dhaka (UTC+6), and "GMT" keeps no summer time, so the home's night window, morning check and days ran hours
// (or, from March to October, an hour) off. A zone misspelt, "Europe/Londn", or written as its city, "London", was
// refused without the name meant.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cliPath, tempDir } from './helpers.js';

let dir: string;

beforeEach(() => {
  dir = tempDir('review-s67-check-config');
});

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function checkConfig(text: string): { status: number | null; stdout: string; stderr: string } {
  const file = path.join(dir, 'telecare.config.json');
  fs.writeFileSync(file, text);
  const run = spawnSync(process.execPath, [cliPath, 'hub', '--check-config', '--config', file], {
    encoding: 'utf8',
    timeout: 30_000,
    killSignal: 'SIGKILL',
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** One home as README's "Configuration" shows it, in the zone given. */
function homeIn(timezone: string): string {
  return JSON.stringify(
    {
      homes: [
        {
          id: 'h1',
          timezone,
          residents: [{ id: 'r1' }],
          devices: [
            { id: 'p1', kind: 'pendant', room: 'living' },
            { id: 'hall-pir', kind: 'motion', room: 'hall' },
            { id: 'bed', kind: 'bed', room: 'bedroom' },
            { id: 'front', kind: 'exit-door', room: 'entrance' },
          ],
        },
      ],
    },
    null,
    2,
  );
}

describe("--check-config on a home's time zone", () => {
  it('says that "BST" is an abbreviation the hub reads as Asia/Dhaka, and that "GMT" keeps no summer time', () => {
    const bst = checkConfig(homeIn('BST'));
    expect(bst.status).toBe(0);
    const bstAdvice = bst.stdout.split('\n').filter((line) => line.includes('homes[0].timezone'));
    expect(bstAdvice).toHaveLength(1);
    expect(bstAdvice[0]).toContain("'BST' is an abbreviation, not a time zone");
    expect(bstAdvice[0]).toContain('Asia/Dhaka');
    expect(bstAdvice[0]).toContain("'Europe/London'");

    const gmt = checkConfig(homeIn('GMT'));
    expect(gmt.status).toBe(0);
    const gmtAdvice = gmt.stdout.split('\n').filter((line) => line.includes('homes[0].timezone'));
    expect(gmtAdvice).toHaveLength(1);
    expect(gmtAdvice[0]).toContain("'GMT' keeps no summer time");
    expect(gmtAdvice[0]).toContain("'Europe/London'");

    // The zone meant, said nothing about.
    const london = checkConfig(homeIn('Europe/London'));
    expect(london.status).toBe(0);
    expect(london.stdout).not.toContain('timezone');
  });

  it('refuses a misspelt zone, or a city alone, naming the zone meant', () => {
    for (const [written, meant] of [
      ['Europe/Londn', 'Europe/London'],
      ['London', 'Europe/London'],
      ['new york', 'America/New_York'],
    ] as const) {
      const run = checkConfig(homeIn(written));
      expect(run.status, written).toBe(1);
      expect(run.stderr, written).toContain(
        `homes[0].timezone: unknown time zone '${written}' (did you mean '${meant}'?)`,
      );
    }
    // Nothing near: no guess.
    expect(checkConfig(homeIn('Mars/Olympus')).stderr).toContain(
      "homes[0].timezone: unknown time zone 'Mars/Olympus'\n",
    );
  });
});

describe('--check-config on a comma too many or too few', () => {
  const good = homeIn('Europe/London');
  const lineOf = (text: string, needle: string): number =>
    text.split('\n').findIndex((line) => line.includes(needle)) + 1;

  it('names the comma after the last device, not only the bracket on the next line', () => {
    // The last device deleted, its predecessor's comma left: `},` then `]`.
    const text = good.replace(/,\n\s*\{\n\s*"id": "front"[^}]*\}/, ',');
    const line = lineOf(text, '"bedroom"') + 1;
    expect(text).not.toContain('"front"');
    const run = checkConfig(text);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(
      new RegExp(`not valid JSON: a comma after the last item at line ${String(line)}, column \\d+ .*: delete it`),
    );
  });

  it('says where a comma left out belongs: the end of the line before the next item', () => {
    // The comma between the pendant and the hall PIR left out: the pendant's `}` (column 9) ends its line.
    const text = good.replace(/("living"\n\s*\}),/, '$1');
    const line = lineOf(text, '"living"') + 1;
    expect(text.split('\n')[line - 1]).toBe(`${' '.repeat(8)}}`);
    const run = checkConfig(text);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(
      `not valid JSON: Expected ',' or ']' after array element at line ${String(line + 1)}, column 9 (is a comma missing at line ${String(line)}, column 10?)`,
    );
  });
});
