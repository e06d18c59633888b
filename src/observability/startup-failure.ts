// How a process that cannot start says why: one log line with the reason (no stack trace: the
// reason is about configuration, not code), an error report like any other error, exit 1.
import type { Logger } from 'pino'
import { flushErrorReports, reportError } from './error-reports.js'

export async function failStartup(log: Logger, error: Error): Promise<never> {
  log.fatal(error.message)
  reportError(error, { process: 'startup' })
  await flushErrorReports()
  process.exit(1)
}
