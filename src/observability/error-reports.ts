// Error reports (Sentry) behind our own small interface: the rest of the code reports an
// error, a failed job or an alarm, and never touches the SDK. Without SENTRY_DSN every call
// is a no-op and the logs are the only record. The SDK is loaded only when SENTRY_DSN is set:
// it is the largest module the app has (tens of MB resident), and most processes never use it.
import type { Config } from '../config.js'
import { scrubEvent, scrubValue } from './scrub.js'

/** What is known about the request that failed; never headers, cookies or bodies. */
export interface RequestFacts {
  method: string
  route: string
  requestId: string
  userId?: number
}

/** What is known about the job that failed for the last time. */
export interface JobFacts {
  queue: string
  name: string
  id: string
  attempts: number
}

type SentrySdk = typeof import('@sentry/node')

/** The SDK, set while reporting is on (loaded by startErrorReporting). */
let Sentry: SentrySdk | undefined
let enabled = false

/** Starts reporting for this process (web or worker) when SENTRY_DSN is set. */
export async function startErrorReporting(
  config: Readonly<Config>,
  processName: 'web' | 'worker' | 'migrate',
): Promise<boolean> {
  if (!config.sentryDsn || enabled) return enabled
  Sentry = await import('@sentry/node')
  // No default integrations: no tracing, no automatic request capture (which would carry
  // headers and cookies); uncaught errors are reported by the entry points' close handlers.
  Sentry.initWithoutDefaultIntegrations({
    dsn: config.sentryDsn,
    environment: config.env,
    // Belt and braces: collect nothing personal even if an integration would offer it.
    dataCollection: {
      userInfo: false,
      cookies: false,
      httpHeaders: false,
      httpBodies: [],
      urlQueryParams: false,
    },
    enableOpenTelemetrySetup: false,
    integrations: [
      Sentry.linkedErrorsIntegration(),
      Sentry.dedupeIntegration(),
      Sentry.nodeContextIntegration(),
    ],
    initialScope: { tags: { process: processName } },
    beforeSend: (event) => scrubEvent(event),
    beforeBreadcrumb: (breadcrumb) => scrubValue(breadcrumb) as typeof breadcrumb,
  })
  enabled = true
  return true
}

/** Reports an error with what is known about the request or job it broke. */
export function reportError(
  error: unknown,
  facts: { request?: RequestFacts; job?: JobFacts; process?: string } = {},
): void {
  if (!enabled || !Sentry) return
  const sdk = Sentry
  sdk.withScope((scope) => {
    if (facts.request) {
      const { method, route, requestId, userId } = facts.request
      scope.setContext('request', { method, route, requestId })
      scope.setTag('route', `${method} ${route}`)
      scope.setTag('request_id', requestId)
      if (userId !== undefined) scope.setUser({ id: String(userId) })
    }
    if (facts.job) {
      scope.setContext('job', { ...facts.job })
      scope.setTag('queue', facts.job.queue)
      scope.setTag('job', facts.job.name)
    }
    if (facts.process) scope.setTag('failure', facts.process)
    sdk.captureException(error)
  })
}

/** Reports an operator alarm (a stuck queue) as an error-level message. */
export function reportAlarm(key: string, message: string, details: Record<string, unknown>): void {
  if (!enabled || !Sentry) return
  const sdk = Sentry
  sdk.withScope((scope) => {
    scope.setTag('alarm', key)
    scope.setContext('alarm', details)
    scope.setFingerprint(['alarm', key])
    sdk.captureMessage(message, 'error')
  })
}

/** Waits until reports in flight have been sent (before a process exits). */
export async function flushErrorReports(timeoutMs = 2000): Promise<void> {
  if (enabled) await Sentry?.flush(timeoutMs)
}

/** Sends what is pending and stops reporting (tests; the end of a process). */
export async function stopErrorReporting(timeoutMs = 2000): Promise<void> {
  if (!enabled) return
  enabled = false
  await Sentry?.close(timeoutMs)
}
