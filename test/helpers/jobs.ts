// Waiting for follow-up work, whichever runner the site uses.
import type { FastifyInstance } from 'fastify'
import type { JobContext } from '../../src/jobs/job-context.js'
import { createMailer } from '../../src/mail/mailer.js'
import { outboxHealth } from '../../src/repositories/outbox.js'

/**
 * Resolves once the outbox has no work waiting or in flight; fails after the timeout. The media
 * jobs (AVIF and WebP of every image posted) take tens of seconds on a busy two-core machine.
 */
export async function settle(app: FastifyInstance, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    app.jobs.kick()
    const health = await outboxHealth(app.db)
    if (health.pending === 0 && health.relayed === 0) return
    if (Date.now() > deadline) throw new Error(`jobs did not settle: ${JSON.stringify(health)}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** Polls until the check passes, for conditions that only eventually hold. */
export async function eventually(
  check: () => Promise<boolean>,
  timeoutMs = 20_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** What a runner hands a job, built from a test site: for tests that run one job by hand. */
export function jobContext(app: FastifyInstance): JobContext {
  const log = { info() {}, warn() {}, error() {} }
  return {
    db: app.db,
    store: app.fileStore,
    config: app.config,
    log,
    mailer: createMailer(app.config, log),
    metrics: app.metrics,
  }
}
