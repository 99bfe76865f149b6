import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.js';

/**
 * PGlite is a database inside this process: two processes on one data directory would corrupt it.
 * A pid file keeps the second one out, and a stale file left by a crash does not.
 */
export function lockDataDir(dataDir: string): () => void {
  const path = join(dataDir, 'shipcheck.pid');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number.parseInt(readFileSync(path, 'utf8'), 10);
      if (Number.isInteger(holder) && holder !== process.pid && isAlive(holder)) {
        throw new UserError(
          'database_busy',
          `another Shipcheck (pid ${holder}) is using the embedded database in ${dataDir}; stop it, or set SHIPCHECK_DATA_DIR to another folder, or DATABASE_URL to a shared Postgres`,
        );
      }
      rmSync(path, { force: true });
    }
  }
  throw new UserError('database_busy', `could not lock ${dataDir}; is another Shipcheck starting?`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
