// One hub per data folder: a second hub started on a folder in use is refused, naming the first one's pid.
import path from 'node:path';
import type { Logger } from './logger.js';
import { DatabaseCheckError } from './migrations.js';
import { holdProcessLock, lockHolder, type ProcessLock } from './process-lock.js';

/** The exit code of a start refused because another hub holds the data folder. */
export const EXIT_DATA_DIR_IN_USE = 6;

/** Another hub (another process, or another hub of this process) holds the data folder. */
export class DataDirInUseError extends DatabaseCheckError {
  constructor(
    readonly dataDir: string,
    readonly holderPid: number | undefined,
  ) {
    const { who, stopIt } = lockHolder('hub', holderPid);
    super(
      `${who} is already running on the data folder ${dataDir}: two hubs on one database would each raise every ` +
        "alert, re-arm each other's timers and replace each other's printed passwords. " +
        `${stopIt}, or give this one a folder of its own (HUB_DATA_DIR or --data-dir)`,
      EXIT_DATA_DIR_IN_USE,
    );
    this.name = 'DataDirInUseError';
  }
}

export type DataDirLock = ProcessLock;

const LOCK_FILE = 'hub.lock';

/**
 * Takes `dataDir` for this hub: the lock of `hub.lock` in it (hub/process-lock.ts), held for the hub's life. A second
 * hub on the same folder had started without a word: it replaced the admin password and MQTT installer credential the
 * first had printed, and both ran the rules over one database (review, session 68). A folder where the lock cannot be
 * made (a full disk, a read-only one) is told in the log and not refused: the hub's own checks say what is wrong with
 * such a folder, and a hub that does not start watches no one.
 */
export function lockDataDir(dataDir: string, logger: Logger): DataDirLock {
  return holdProcessLock(
    path.join(dataDir, LOCK_FILE),
    {
      inUse: (pid) => new DataDirInUseError(dataDir, pid),
      notLocked: 'could not lock the data folder: a second hub started on it would not be refused',
    },
    logger,
  );
}
