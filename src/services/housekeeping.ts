// Periodic clean-up of rows that have stopped meaning anything: expired sessions, dead
// one-time tokens, and API codes and tokens past use. Idempotent, so several nodes running it
// at once do no harm.
import type { Database } from '../db/database.js'
import { deleteDeadGrants } from '../repositories/api-grants.js'
import { deleteExpiredSessions } from '../repositories/sessions.js'
import { deleteDeadTokens } from '../repositories/tokens.js'

export async function sweepExpired(
  db: Database,
): Promise<{ sessions: number; tokens: number; apiGrants: number }> {
  return {
    sessions: await deleteExpiredSessions(db),
    tokens: await deleteDeadTokens(db),
    apiGrants: await deleteDeadGrants(db),
  }
}
