// Whether another process has a SQLite database open: how a restore knows the site is running.
// A port check would miss a site on another port or one still starting, and the server keeps
// no pid file; the database lock is what actually matters, since a process holding the old file
// open would keep writing to it after a restore had moved it aside.
import { existsSync } from 'node:fs'

/**
 * True when another connection has the database open. In WAL mode (how the site opens it) every
 * open connection keeps a shared lock on the database file for as long as it is open, busy or
 * idle; a connection in exclusive locking mode needs an exclusive lock to read, so it fails at
 * once (timeout 0) while any other holds one. A missing file is not in use.
 */
export async function sqliteInUse(file: string): Promise<boolean> {
  if (!existsSync(file)) return false
  const { default: SqliteDatabase } = await import('better-sqlite3')
  const probe = new SqliteDatabase(file, { fileMustExist: true, timeout: 0 })
  try {
    probe.pragma('locking_mode = EXCLUSIVE')
    probe.exec('begin exclusive')
    probe.exec('commit')
    return false
  } catch (error) {
    if ((error as { code?: string }).code === 'SQLITE_BUSY') return true
    throw error
  } finally {
    // Closing releases the lock; as the last connection SQLite checkpoints the WAL into the
    // file first, which changes no data.
    probe.close()
  }
}
