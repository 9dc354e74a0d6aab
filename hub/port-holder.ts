// What holds a TCP port on this machine, when Linux's /proc can say: for a start refused on a port in use, the
// program there (and, for another telecare hub, its pid and data folder) instead of a guess.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';

export interface PortHolder {
  pid: number;
  /** The program's name as the kernel has it (/proc/<pid>/comm): `mosquitto`, `nginx`, `node`. */
  program: string;
  /** A telecare hub: it holds a data folder's `hub.lock` open (hub/data-dir-lock.ts), or was started as `telecare hub`. */
  hub: boolean;
  /** That hub's data folder, when known from its `hub.lock`. */
  hubDataDir?: string;
}

/** /proc/net/tcp's state of a listening socket. */
const LISTEN = '0A';

/** The inodes of the sockets listening on TCP `port`, IPv4 and IPv6 (none when /proc cannot be read). */
function listeningInodes(port: number, proc: string): Set<string> {
  const inodes = new Set<string>();
  for (const table of ['net/tcp', 'net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(path.join(proc, table), 'utf8');
    } catch {
      continue;
    }
    // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const local = fields[1];
      const inode = fields[9];
      if (local === undefined || inode === undefined || inode === '0' || fields[3] !== LISTEN) continue;
      if (Number.parseInt(local.slice(local.lastIndexOf(':') + 1), 16) === port) inodes.add(inode);
    }
  }
  return inodes;
}

/** `process`'s open files, as links (`socket:[1234]`, `/srv/telecare/data/hub.lock`); none when not readable. */
function openFiles(proc: string, pid: string): string[] {
  const fdDir = path.join(proc, pid, 'fd');
  let fds: string[];
  try {
    fds = readdirSync(fdDir);
  } catch {
    return [];
  }
  const links: string[] = [];
  for (const fd of fds) {
    try {
      links.push(readlinkSync(path.join(fdDir, fd)));
    } catch {
      // Closed meanwhile.
    }
  }
  return links;
}

function readOr(file: string, otherwise: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return otherwise;
  }
}

/** Started as `telecare hub` (`node .../telecare.js hub`, `telecare hub`): a hub of a version without `hub.lock`. */
function startedAsHub(proc: string, pid: string): boolean {
  const args = readOr(path.join(proc, pid, 'cmdline'), '').split('\0');
  return args.some((arg, i) => /^telecare(\.js)?$/.test(path.basename(arg)) && args[i + 1] === 'hub');
}

/**
 * The process listening on TCP `port`, when /proc says (Linux; another user's processes only to root): undefined
 * when it cannot be known, or when it is this very process. Reads only: never throws.
 */
export function portHolder(port: number, proc = '/proc'): PortHolder | undefined {
  try {
    const inodes = listeningInodes(port, proc);
    if (inodes.size === 0) return undefined;
    for (const pid of readdirSync(proc)) {
      if (!/^\d+$/.test(pid)) continue;
      const files = openFiles(proc, pid);
      if (!files.some((f) => inodes.has(/^socket:\[(\d+)\]$/.exec(f)?.[1] ?? ''))) continue;
      // This process's own listener (another hub started in it): what it holds says nothing of the other.
      if (Number(pid) === process.pid) return undefined;
      const lock = files.find((f) => path.basename(f) === 'hub.lock');
      return {
        pid: Number(pid),
        program: readOr(path.join(proc, pid, 'comm'), '?').trim(),
        hub: lock !== undefined || startedAsHub(proc, pid),
        ...(lock === undefined ? {} : { hubDataDir: path.dirname(lock) }),
      };
    }
  } catch {
    // No /proc (not Linux), or it went away meanwhile: not known.
  }
  return undefined;
}

/** The holder in words: `another telecare hub (pid 4242, data folder /srv/a)`, `another program (mosquitto, pid 612)`. */
export function holderWords(holder: PortHolder): string {
  if (!holder.hub) return `another program (${holder.program}, pid ${holder.pid})`;
  const folder = holder.hubDataDir === undefined ? '' : `, data folder ${holder.hubDataDir}`;
  return `another telecare hub (pid ${holder.pid}${folder})`;
}
