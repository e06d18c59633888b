// How often and how patiently a job is retried, the same for both runners.
export const MAX_ATTEMPTS = 6

/** Exponential back-off: 2 s, 4 s, 8 s... capped at 5 minutes. */
export function backoffSeconds(attempt: number): number {
  return Math.min(300, 2 ** attempt)
}

/** A failure another attempt cannot fix (a refused address): the job fails at once, no retries. */
export class PermanentJobError extends Error {
  override name = 'PermanentJobError'
}
