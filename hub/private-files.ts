// The data folder and hub.db readable by the hub's own user only: they hold residents' events, alerts and password hashes.
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';

const FOLDER_MODE = 0o700;
const FILE_MODE = 0o600;

/**
 * Creates the data folder (or narrows an existing one) to 0700 and hub.db to 0600, and returns hub.db's path.
 * SQLite makes hub.db-wal and hub.db-shm with the database file's own mode, so they follow; copies left by an
 * older version are narrowed too.
 */
export function preparePrivateDataDir(dataDir: string): string {
  mkdirSync(dataDir, { recursive: true, mode: FOLDER_MODE });
  chmodSync(dataDir, FOLDER_MODE);
  const dbFile = path.join(dataDir, 'hub.db');
  if (!existsSync(dbFile)) closeSync(openSync(dbFile, 'a', FILE_MODE));
  for (const file of [dbFile, `${dbFile}-wal`, `${dbFile}-shm`, `${dbFile}.acked`]) {
    if (existsSync(file)) chmodSync(file, FILE_MODE);
  }
  return dbFile;
}
