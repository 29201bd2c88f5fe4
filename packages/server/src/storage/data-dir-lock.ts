import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ServerLibraryError } from '../errors.ts';

/** Who holds a data directory, as written beside the lock for the message a second server prints. */
export interface LockOwner {
  pid: number;
  hostname: string;
  startedAt: string;
}

export class DataDirLockedError extends ServerLibraryError {
  constructor(
    readonly dataDir: string,
    readonly owner: LockOwner | undefined,
  ) {
    super(
      `The data directory ${dataDir} is in use by another cvkit server` +
        (owner ? ` (pid ${owner.pid} on ${owner.hostname}, started ${owner.startedAt})` : '') +
        '. Two servers must not share one data directory: stop the other one, or give this one another --data-dir.',
    );
    this.name = 'DataDirLockedError';
  }
}

export interface DataDirLock {
  /** The owner recorded by a previous process that ended without releasing the directory (crash, SIGKILL). */
  readonly staleOwner: LockOwner | undefined;
  release(): void;
}

const LOCK_FILE = 'cvkit.lock';
const OWNER_FILE = 'cvkit.lock.json';

/**
 * Takes the data directory for this process, or throws DataDirLockedError when another server holds it.
 *
 * The lock itself is an exclusive SQLite lock (a POSIX advisory lock the kernel holds for the process) on
 * `cvkit.lock`: it conflicts across processes, containers sharing a volume, and connections within one process, and
 * the kernel drops it when its holder dies, however it dies, so a killed server never leaves a stale lock that would
 * block a restart and a reused pid can never keep one alive. `cvkit.lock.json` records the holder's pid, host and
 * start time only to say who holds it; a copy left by a dead holder is reported as `staleOwner` and replaced.
 */
export function lockDataDir(dataDir: string): DataDirLock {
  const db = new Database(join(dataDir, LOCK_FILE), { timeout: 0 });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
  } catch (e) {
    db.close();
    if ((e as { code?: string }).code === 'SQLITE_BUSY') throw new DataDirLockedError(dataDir, readOwner(dataDir));
    throw e;
  }
  const staleOwner = readOwner(dataDir);
  const me: LockOwner = { pid: process.pid, hostname: hostname(), startedAt: new Date().toISOString() };
  writeFileSync(join(dataDir, OWNER_FILE), `${JSON.stringify(me)}\n`);
  let held = true;
  return {
    staleOwner,
    release() {
      if (!held) return;
      held = false;
      rmSync(join(dataDir, OWNER_FILE), { force: true });
      db.close();
    },
  };
}

function readOwner(dataDir: string): LockOwner | undefined {
  try {
    const o = JSON.parse(readFileSync(join(dataDir, OWNER_FILE), 'utf8')) as Partial<LockOwner>;
    if (typeof o.pid === 'number' && typeof o.hostname === 'string' && typeof o.startedAt === 'string')
      return { pid: o.pid, hostname: o.hostname, startedAt: o.startedAt };
  } catch {
    // missing or unreadable: say nothing about the owner
  }
  return undefined;
}
