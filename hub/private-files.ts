// The data folder and hub.db readable by the hub's own user only: they hold residents' events, alerts and password hashes.
import {
  chmodSync,
  closeSync,
  constants,
  existsSync,
  fchmodSync,
  fstatSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  statSync,
} from 'node:fs';
import path from 'node:path';

const FOLDER_MODE = 0o700;
const FILE_MODE = 0o600;

/**
 * `mkdirSync(dir, { recursive: true, mode })` that ends: Node 20's own loops for ever when a folder cannot be made in
 * one that exists and the kernel answers ENOENT (anywhere under /proc: `HUB_DATA_DIR=/proc/telecare` hung the hub at
 * its start, Ctrl-C ignored). Each missing folder from the nearest one that exists down is made on its own, so such a
 * refusal is thrown as it is (ENOENT, EACCES, EROFS, ENOTDIR, naming the folder).
 */
export function makeFolders(dir: string, mode: number): void {
  const missing: string[] = [];
  let at = path.resolve(dir);
  while (!existsSync(at)) {
    missing.unshift(at);
    const parent = path.dirname(at);
    if (parent === at) break;
    at = parent;
  }
  for (const folder of missing) {
    try {
      mkdirSync(folder, { mode });
    } catch (err) {
      // Made meanwhile by another process (a bridge started beside the hub): as good as made here.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}

/**
 * Creates the data folder (or narrows an existing one) to 0700 and hub.db to 0600, and returns hub.db's path.
 * SQLite makes hub.db-wal and hub.db-shm with the database file's own mode, so they follow; copies left by an
 * older version are narrowed too.
 */
export function preparePrivateDataDir(dataDir: string): string {
  try {
    makeFolders(dataDir, FOLDER_MODE);
  } catch (err) {
    throw new Error(`cannot make the data folder ${dataDir} (HUB_DATA_DIR): ${(err as Error).message}`, {
      cause: err,
    });
  }
  chmodSync(dataDir, FOLDER_MODE);
  const dbFile = path.join(dataDir, 'hub.db');
  if (!existsSync(dbFile)) closeSync(openSync(dbFile, 'a', FILE_MODE));
  for (const file of [dbFile, `${dbFile}-wal`, `${dbFile}-shm`, `${dbFile}.acked`]) {
    if (existsSync(file)) chmodSync(file, FILE_MODE);
  }
  return dbFile;
}

/** A file of personal data the CLI will not write: another user could read it, or it leads to some other file. */
export class PrivateFileRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PrivateFileRefused';
  }
}

/**
 * Opens `file` for writing (emptied) readable by its owner only: a file of personal data the CLI writes (an export of
 * a home's events, daily features), as private as hub.db. One an earlier run left open to others is narrowed; a device
 * or a pipe (`/dev/stdout`) is left as it is. Returns the file descriptor.
 *
 * Refused, before anything is emptied or written (review, session 68): a file that belongs to another user (made
 * ready by another account of the Pi in a folder it may write to: run as root, the export landed in it, narrowed to
 * 0600 but still its owner's to read), and a symbolic link to a file (pointed by someone else at a file of the one
 * running the CLI, which was emptied and overwritten). A link to a device or a pipe (`/dev/stdout`) is followed.
 */
export function openPrivateFile(file: string): number {
  let fd: number;
  try {
    // Not emptied yet, and not through a link: what it is is checked first.
    fd = openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_NOFOLLOW, FILE_MODE);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ELOOP') throw err;
    fd = openSync(file, constants.O_WRONLY);
    if (fstatSync(fd).isFile()) {
      closeSync(fd);
      throw new PrivateFileRefused(
        `${file} is a symbolic link to a file: personal data is written only to the file itself (give its real path); nothing written`,
      );
    }
    return fd;
  }
  try {
    const stats = fstatSync(fd);
    if (stats.isFile()) {
      const uid = process.getuid?.();
      if (uid !== undefined && stats.uid !== uid)
        throw new PrivateFileRefused(
          `${file} belongs to another user (uid ${String(stats.uid)}), who could read what is written into it: ` +
            'remove it or choose another path; nothing written',
        );
      ftruncateSync(fd, 0);
      if ((stats.mode & 0o077) !== 0) fchmodSync(fd, FILE_MODE);
    }
  } catch (err) {
    closeSync(fd);
    throw err;
  }
  return fd;
}

/**
 * A warning when a file the hub takes its configuration or keys from is open to other users of the machine: one that
 * others may change (they could add an MQTT credential, or send every alert to a webhook of their own), or one
 * holding secrets (webhook secrets, password hashes, a TLS key) that every user may read. Undefined when the file is
 * private enough, or cannot be read (the hub says that itself). `reader`: the program whose group may be let read it
 * (the bridge's MQTT password file, bin/secret-file.ts).
 */
export function looseFileAdvice(
  file: string,
  what: string,
  holdsSecrets: boolean,
  reader = 'the hub',
): string | undefined {
  let mode: number;
  try {
    mode = statSync(file).mode & 0o777;
  } catch {
    return undefined;
  }
  const shown = mode.toString(8).padStart(4, '0');
  if ((mode & 0o022) !== 0) {
    return `${what} ${file} can be changed by other users of this machine (mode ${shown}): chmod go-w ${file}`;
  }
  if (holdsSecrets && (mode & 0o004) !== 0) {
    return `${what} ${file} holds secrets and every user of this machine can read it (mode ${shown}): chmod 600 ${file} (or 640 with ${reader}'s group)`;
  }
  return undefined;
}
