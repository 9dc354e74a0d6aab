// What a process's resident memory is made of, from /proc/<pid>/smaps: the bench's 1,000-home peak, by part.
import fs from 'node:fs';

const MB = 1024 * 1024;
/** glibc's per-thread arenas are 64 MB reservations, aligned to their size, the unused part mapped without access. */
const ARENA_BYTES = 64 * MB;

export interface Mapping {
  start: number;
  end: number;
  perms: string;
  /** The mapping's offset in its file (0 for anonymous memory). */
  offset: number;
  path: string;
  rssBytes: number;
}

/** The mappings of /proc/<pid>/smaps text, each with its resident bytes. */
export function mappings(text: string): Mapping[] {
  const out: Mapping[] = [];
  let current: Mapping | undefined;
  for (const line of text.split('\n')) {
    const header = /^([0-9a-f]+)-([0-9a-f]+) (\S+) ([0-9a-f]+) \S+ \S+\s*(.*)$/.exec(line);
    if (header) {
      current = {
        start: parseInt(header[1] ?? '0', 16),
        end: parseInt(header[2] ?? '0', 16),
        perms: header[3] ?? '',
        offset: parseInt(header[4] ?? '0', 16),
        path: header[5] ?? '',
        rssBytes: 0,
      };
      out.push(current);
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss && current) current.rssBytes = Number(rss[1]) * 1024;
  }
  return out;
}

/**
 * Resident MB by part: the node binary's pages, other files (shared libraries, better-sqlite3's addon), glibc's main
 * heap (the loop thread's malloc: SQLite's page cache, sockets' buffers), glibc's thread arenas, and the rest of the
 * anonymous memory (V8's heaps of every isolate, thread stacks, large blocks malloc maps on their own). Null without
 * /proc. A heuristic of mappings' shapes, for telling parts apart, not an exact account.
 */
export function memoryParts(pid: number): Record<string, number> | null {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/smaps`, 'utf8');
  } catch {
    return null;
  }
  const parts = {
    'node binary': 0,
    'other files': 0,
    'glibc main heap': 0,
    'glibc thread arenas': 0,
    'V8 and other anonymous': 0,
  };
  const maps = mappings(text);
  maps.forEach((m, i) => {
    if (m.rssBytes === 0) return;
    const next = maps[i + 1];
    if (m.path.startsWith('/') && /\/node$/.test(m.path)) parts['node binary'] += m.rssBytes;
    else if (m.path.startsWith('/')) parts['other files'] += m.rssBytes;
    else if (m.path === '[heap]') parts['glibc main heap'] += m.rssBytes;
    else if (
      m.path === '' &&
      m.start % ARENA_BYTES === 0 &&
      next?.perms === '---p' &&
      next.start === m.end &&
      next.end - m.start === ARENA_BYTES
    )
      parts['glibc thread arenas'] += m.rssBytes;
    else parts['V8 and other anonymous'] += m.rssBytes;
  });
  return Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, Math.round((v / MB) * 10) / 10]));
}
