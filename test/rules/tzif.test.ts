// A zone's offsets from the system's tz database files (rules/tzif.ts), and ZoneClock's use of them without Intl.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { intlOffsets, isKnownTimeZone, ZoneClock } from '../../rules/local-time.js';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../rules/time.js';
import { parseTzif, posixOffsets } from '../../rules/tzif.js';

const ZONEINFO = '/usr/share/zoneinfo';
const hasZoneinfo = fs.existsSync(path.join(ZONEINFO, 'Europe/London'));
const zoneFile = (zone: string): Uint8Array => fs.readFileSync(path.join(ZONEINFO, zone));

afterEach(() => {
  vi.unstubAllGlobals();
  vi.unstubAllEnvs();
});

describe('POSIX TZ rules (a TZif footer)', () => {
  it('reads the UK rule: BST from 01:00 UTC on the last Sunday of March to 01:00 UTC on the last Sunday of October', () => {
    const uk = posixOffsets('GMT0BST,M3.5.0/1,M10.5.0')!;
    expect(uk(Date.UTC(2030, 2, 31, 0, 59, 59))).toBe(0);
    expect(uk(Date.UTC(2030, 2, 31, 1))).toBe(HOUR_MS);
    expect(uk(Date.UTC(2030, 9, 27, 0, 59, 59))).toBe(HOUR_MS);
    expect(uk(Date.UTC(2030, 9, 27, 1))).toBe(0);
  });

  it('reads a southern rule whose summer spans the new year (New Zealand, +12/+13)', () => {
    const nz = posixOffsets('NZST-12NZDT,M9.5.0,M4.1.0/3')!;
    expect(nz(Date.UTC(2031, 0, 1))).toBe(13 * HOUR_MS);
    expect(nz(Date.UTC(2031, 6, 1))).toBe(12 * HOUR_MS);
    // 2031-09-28 02:00 NZST = 09-27 14:00 UTC; 2031-04-06 03:00 NZDT = 04-05 14:00 UTC.
    expect(nz(Date.UTC(2031, 8, 27, 13, 59))).toBe(12 * HOUR_MS);
    expect(nz(Date.UTC(2031, 8, 27, 14))).toBe(13 * HOUR_MS);
    expect(nz(Date.UTC(2031, 3, 5, 13, 59))).toBe(13 * HOUR_MS);
    expect(nz(Date.UTC(2031, 3, 5, 14))).toBe(12 * HOUR_MS);
  });

  it('reads quoted names, minutes, negative DST (Ireland), negative change times and all-year DST', () => {
    expect(posixOffsets('<+0545>-5:45')!(Date.UTC(2040, 0, 1))).toBe(5 * HOUR_MS + 45 * MINUTE_MS);
    expect(posixOffsets('<-0330>3:30')!(Date.UTC(2040, 0, 1))).toBe(-(3 * HOUR_MS + 30 * MINUTE_MS));
    const ireland = posixOffsets('IST-1GMT0,M10.5.0,M3.5.0/1')!;
    expect(ireland(Date.UTC(2040, 0, 15))).toBe(0);
    expect(ireland(Date.UTC(2040, 6, 15))).toBe(HOUR_MS);
    // Greenland: summer from "-01:00 on the last Sunday of March" (Saturday 23:00 local, 01:00 UTC on 25 March 2040).
    const nuuk = posixOffsets('<-02>2<-01>,M3.5.0/-1,M10.5.0/0')!;
    expect(nuuk(Date.UTC(2040, 2, 25, 0, 59))).toBe(-2 * HOUR_MS);
    expect(nuuk(Date.UTC(2040, 2, 25, 1))).toBe(-HOUR_MS);
    const allYear = posixOffsets('EST5EDT,0/0,J365/25')!;
    for (const month of [0, 5, 11]) expect(allYear(Date.UTC(2040, month, 2))).toBe(-4 * HOUR_MS);
  });

  it('refuses what is not a rule', () => {
    for (const bad of ['', 'GMT', '0', 'GMT0BST,M13.5.0,M10.5.0', 'GMT0BST,M3.5.0', 'A0B,J0,J365', 'GMT+200']) {
      expect(posixOffsets(bad), bad).toBeUndefined();
    }
  });
});

/**
 * Where `a` changes over [from, to) (scanned every 15 minutes, each change found to the second), whether `b` agrees
 * on both sides of it, and once a day between: the number of changes and the first instant where they differ.
 */
function compare(a: (ts: number) => number, b: (ts: number) => number, from: number, to: number) {
  let changes = 0;
  const step = 15 * MINUTE_MS;
  for (let t = from + step; t < to; t += step) {
    const checks = (t - from) % DAY_MS === 0 ? [t] : [];
    if (a(t) !== a(t - step)) {
      changes++;
      let lo = t - step; // a(lo) is the old offset, a(hi) the new
      let hi = t;
      while (hi - lo > 1000) {
        const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
        if (a(mid) === a(t - step)) lo = mid;
        else hi = mid;
      }
      checks.push(hi - 1000, hi - 1, hi);
    }
    for (const ts of checks) if (a(ts) !== b(ts)) return { changes, differs: new Date(ts).toISOString() };
  }
  return { changes, differs: undefined };
}

describe.skipIf(!hasZoneinfo)('TZif files of the system tz database', () => {
  // Zones with half-hour, 45-minute and negative DST, southern summers, and Morocco's listed Ramadan changes.
  const zones = [
    'Europe/London',
    'Europe/Dublin',
    'Europe/Berlin',
    'America/New_York',
    'America/St_Johns',
    'Australia/Lord_Howe',
    'Australia/Sydney',
    'Pacific/Chatham',
    'Asia/Kathmandu',
    'Africa/Casablanca',
  ];

  it('agree with Intl (ICU) at every change, to the second, 2000 to 2025', () => {
    for (const zone of zones) {
      const result = compare(parseTzif(zoneFile(zone))!, intlOffsets(zone), Date.UTC(2000, 0, 1), Date.UTC(2026, 0, 1));
      expect(result.differs, zone).toBeUndefined();
      if (zone !== 'Asia/Kathmandu') expect(result.changes, zone).toBeGreaterThan(20);
    }
  });

  it('agree with their own footer rule over 2030 to 2037, the years where the file also lists each change', () => {
    for (const zone of zones.filter((z) => z !== 'Africa/Casablanca')) {
      const bytes = zoneFile(zone);
      const footer = Buffer.from(bytes).toString('latin1').trimEnd().split('\n').pop()!;
      const rule = posixOffsets(footer);
      expect(rule, `${zone}: ${footer}`).toBeDefined();
      const result = compare(parseTzif(bytes)!, rule!, Date.UTC(2030, 0, 1), Date.UTC(2037, 0, 1));
      expect(result.differs, zone).toBeUndefined();
    }
  });

  it('make ZoneClock answer, DST included, without Intl', () => {
    vi.stubGlobal('Intl', {
      DateTimeFormat: function () {
        throw new Error('Intl used');
      },
    });
    const berlin = new ZoneClock('Europe/Berlin');
    expect(berlin.offsetAt(Date.UTC(2026, 2, 29, 0, 59))).toBe(HOUR_MS);
    expect(berlin.offsetAt(Date.UTC(2026, 2, 29, 1))).toBe(2 * HOUR_MS);
    expect(berlin.hhmm(Date.UTC(2026, 9, 25, 0, 30))).toBe('02:30');
    expect(berlin.hhmm(Date.UTC(2026, 9, 25, 1, 30))).toBe('02:30');
    expect(berlin.instantOf(Date.UTC(2026, 9, 25) / DAY_MS, 150)).toBe(Date.UTC(2026, 9, 25, 0, 30));
    expect(isKnownTimeZone('America/Argentina/Buenos_Aires')).toBe(true);
  });

  it('fall back to Intl for a zone not in the folder, and still refuse unknown zones and paths', () => {
    vi.stubEnv('TZDIR', fs.mkdtempSync(path.join(os.tmpdir(), 'telecare-tzdir-')));
    try {
      expect(new ZoneClock('Asia/Kolkata').offsetAt(Date.UTC(2026, 0, 1))).toBe(5.5 * HOUR_MS);
      expect(() => new ZoneClock('Mars/Olympus')).toThrow(RangeError);
      expect(() => new ZoneClock('../../../etc/passwd')).toThrow(RangeError);
      expect(isKnownTimeZone('Mars/Olympus')).toBe(false);
    } finally {
      fs.rmSync(process.env.TZDIR!, { recursive: true, force: true });
    }
  });

  it("know the same zones as Intl among the folder's other files", () => {
    const intlKnows = (zone: string): boolean => {
      try {
        new Intl.DateTimeFormat('en', { timeZone: zone });
        return true;
      } catch {
        return false;
      }
    };
    for (const name of [
      'posixrules',
      'localtime',
      'posix/Europe/London',
      'right/UTC',
      'Factory',
      'zone.tab',
      'Europe',
    ]) {
      expect(isKnownTimeZone(name), name).toBe(intlKnows(name));
    }
  });

  it('refuse a file that is not TZif and a leap-second ("right/") zone', () => {
    expect(parseTzif(new TextEncoder().encode('not a zone file at all, but long enough to have a header'))).toBe(
      undefined,
    );
    const right = path.join(ZONEINFO, 'right/UTC');
    if (fs.existsSync(right)) expect(parseTzif(fs.readFileSync(right))).toBeUndefined();
  });
});
