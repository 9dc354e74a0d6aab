// A zone's UTC offsets from its compiled tz database file (TZif, RFC 8536), as /usr/share/zoneinfo holds them.
// Pure: bytes in, an offset function out. Reading the files is the caller's (rules/local-time.ts). The hub used
// Intl.DateTimeFormat for this, whose first use makes the process touch ~6 MB of ICU's data and heap; a home's
// zone file is a few kB (docs/performance.md, session 25).

/** Local time minus UTC at an instant, both in ms; offsets in whole seconds. */
export type OffsetAt = (ts: number) => number;

/** One side of a POSIX TZ rule: the day it falls on in a year and the local time of day it takes effect. */
type RuleDay =
  | { kind: 'julian1'; day: number } // Jn: 1..365, February 29 never counted
  | { kind: 'julian0'; day: number } // n: 0..365, February 29 counted
  | { kind: 'month'; month: number; week: number; weekday: number }; // Mm.w.d

interface PosixRule {
  stdOffset: number; // seconds east of UTC
  dst?: { offset: number; start: RuleDay; startTime: number; end: RuleDay; endTime: number };
}

const DAY_S = 86_400;

/**
 * Parses a TZif file (versions 1–4). Returns undefined for what it does not handle exactly (leap-second
 * "right/" zones, a malformed file), so the caller can fall back to Intl.
 */
export function parseTzif(bytes: Uint8Array): OffsetAt | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const header = (at: number): number[] | undefined => {
    if (at + 44 > bytes.length) return undefined;
    if (String.fromCharCode(...bytes.subarray(at, at + 4)) !== 'TZif') return undefined;
    // isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt
    return [0, 1, 2, 3, 4, 5].map((i) => view.getUint32(at + 20 + 4 * i));
  };
  const v1 = header(0);
  if (!v1) return undefined;
  const version = bytes[4] ?? 0;
  const blockLength = (h: number[], timeSize: number): number =>
    h[3]! * timeSize + h[3]! + h[4]! * 6 + h[5]! + h[2]! * (timeSize + 4) + h[1]! + h[0]!;
  let at = 44;
  let h = v1;
  let timeSize = 4;
  if (version >= 0x32) {
    // Version 2+: a second header and data block with 64-bit times, then the footer.
    at += blockLength(v1, 4);
    const v2 = header(at);
    if (!v2) return undefined;
    h = v2;
    at += 44;
    timeSize = 8;
  }
  const [, , leapcnt, timecnt, typecnt] = h as [number, number, number, number, number, number];
  if (leapcnt !== 0 || typecnt === 0) return undefined;
  const end = at + blockLength(h, timeSize);
  if (end > bytes.length) return undefined;
  const times: number[] = [];
  for (let i = 0; i < timecnt; i++) {
    times.push(timeSize === 8 ? Number(view.getBigInt64(at + 8 * i)) : view.getInt32(at + 4 * i));
  }
  const typesAt = at + timecnt * timeSize;
  const ttinfoAt = typesAt + timecnt;
  const typeOffset = (type: number): number | undefined =>
    type < typecnt ? view.getInt32(ttinfoAt + 6 * type) : undefined;
  const offsets: number[] = [];
  for (let i = 0; i < timecnt; i++) {
    const o = typeOffset(bytes[typesAt + i]!);
    if (o === undefined) return undefined;
    offsets.push(o);
  }
  const first = typeOffset(0)!;
  let rule: PosixRule | undefined;
  if (version >= 0x32) {
    // The footer: "\n<POSIX TZ string>\n", the rule for instants after the last transition.
    if (bytes[end] !== 0x0a) return undefined;
    const close = bytes.indexOf(0x0a, end + 1);
    if (close < 0) return undefined;
    const text = String.fromCharCode(...bytes.subarray(end + 1, close));
    if (text !== '') {
      rule = parsePosixTz(text);
      if (!rule) return undefined;
    }
  }
  const last = timecnt - 1;
  return (ts: number): number => {
    const s = Math.floor(ts / 1000);
    if (timecnt === 0 || s < times[0]!) return (rule && timecnt === 0 ? ruleOffset(rule, s) : first) * 1000;
    if (s >= times[last]! && rule) return ruleOffset(rule, s) * 1000;
    // The last transition at or before s.
    let lo = 0;
    let hi = last;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (times[mid]! <= s) lo = mid;
      else hi = mid - 1;
    }
    return offsets[lo]! * 1000;
  };
}

/**
 * A POSIX TZ string as TZif footers hold it (RFC 8536 3.3.1, with its extensions: hours -167..167, negative
 * DST). Undefined when it is not one.
 */
export function parsePosixTz(text: string): PosixRule | undefined {
  let i = 0;
  const name = (): boolean => {
    if (text[i] === '<') {
      const close = text.indexOf('>', i);
      if (close < 0) return false;
      i = close + 1;
      return true;
    }
    const m = /^[A-Za-z]{3,}/.exec(text.slice(i));
    if (!m) return false;
    i += m[0].length;
    return true;
  };
  // [+-]hh[:mm[:ss]] in seconds.
  const time = (): number | undefined => {
    const m = /^([+-]?)(\d{1,3})(?::(\d{2}))?(?::(\d{2}))?/.exec(text.slice(i));
    if (!m) return undefined;
    i += m[0].length;
    const seconds = Number(m[2]) * 3600 + Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0);
    if (Number(m[2]) > 167) return undefined;
    return m[1] === '-' ? -seconds : seconds;
  };
  const ruleDay = (): RuleDay | undefined => {
    let m: RegExpExecArray | null;
    const rest = text.slice(i);
    if ((m = /^J(\d{1,3})/.exec(rest))) {
      i += m[0].length;
      const day = Number(m[1]);
      return day >= 1 && day <= 365 ? { kind: 'julian1', day } : undefined;
    }
    if ((m = /^M(\d{1,2})\.(\d)\.(\d)/.exec(rest))) {
      i += m[0].length;
      const [month, week, weekday] = [Number(m[1]), Number(m[2]), Number(m[3])];
      return month >= 1 && month <= 12 && week >= 1 && week <= 5 && weekday <= 6
        ? { kind: 'month', month, week, weekday }
        : undefined;
    }
    if ((m = /^(\d{1,3})/.exec(rest))) {
      i += m[0].length;
      const day = Number(m[1]);
      return day <= 365 ? { kind: 'julian0', day } : undefined;
    }
    return undefined;
  };
  const change = (): { day: RuleDay; time: number } | undefined => {
    if (text[i] !== ',') return undefined;
    i++;
    const day = ruleDay();
    if (!day) return undefined;
    let at = 7200; // 02:00 local unless given
    if (text[i] === '/') {
      i++;
      const t = time();
      if (t === undefined) return undefined;
      at = t;
    }
    return { day, time: at };
  };

  if (!name()) return undefined;
  const std = time();
  if (std === undefined) return undefined;
  // POSIX offsets are west of UTC; ours east.
  const stdOffset = 0 - std;
  if (i === text.length) return { stdOffset };
  if (!name()) return undefined;
  let dstOffset = stdOffset + 3600;
  if (text[i] !== ',' && i < text.length) {
    const d = time();
    if (d === undefined) return undefined;
    dstOffset = 0 - d;
  }
  const start = change();
  const finish = change();
  if (!start || !finish || i !== text.length) return undefined;
  return {
    stdOffset,
    dst: { offset: dstOffset, start: start.day, startTime: start.time, end: finish.day, endTime: finish.time },
  };
}

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** Offsets of a POSIX TZ string alone (a TZif footer); undefined when it is not one. */
export function posixOffsets(text: string): OffsetAt | undefined {
  const rule = parsePosixTz(text);
  return rule && ((ts: number): number => ruleOffset(rule, Math.floor(ts / 1000)) * 1000);
}

/** Days since 1970-01-01 of a rule's day in `year`. */
function ruleDayNumber(day: RuleDay, year: number): number {
  const jan1 = Date.UTC(year, 0, 1) / (DAY_S * 1000);
  switch (day.kind) {
    case 'julian1':
      return jan1 + day.day - 1 + (isLeap(year) && day.day >= 60 ? 1 : 0);
    case 'julian0':
      return jan1 + day.day;
    case 'month': {
      const first = Date.UTC(year, day.month - 1, 1) / (DAY_S * 1000);
      const firstWeekday = (((first + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday
      let d = first + ((day.weekday - firstWeekday + 7) % 7) + (day.week - 1) * 7;
      const daysInMonth = Date.UTC(year, day.month, 1) / (DAY_S * 1000) - first;
      if (d >= first + daysInMonth) d -= 7; // week 5: the last such weekday of the month
      return d;
    }
  }
}

/** Offset (s) of a POSIX rule at `s` (seconds since the epoch, UTC). */
function ruleOffset(rule: PosixRule, s: number): number {
  const dst = rule.dst;
  if (!dst) return rule.stdOffset;
  const year = new Date((s + rule.stdOffset) * 1000).getUTCFullYear();
  // The changes of that year as UTC instants: the start is given in standard time, the end in DST.
  const start = ruleDayNumber(dst.start, year) * DAY_S + dst.startTime - rule.stdOffset;
  const end = ruleDayNumber(dst.end, year) * DAY_S + dst.endTime - dst.offset;
  const inDst = start < end ? s >= start && s < end : !(s >= end && s < start);
  return inDst ? dst.offset : rule.stdOffset;
}
