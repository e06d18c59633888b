// Errors a service raises for the user to read. Routes turn them into pages with their status.

/** A refusal with a message meant for the user and the HTTP status that fits it. */
export class ServiceError extends Error {
  override name = 'ServiceError'
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
  }
}

/** Bad form input: one message per field, shown next to that field. */
export class ValidationError extends ServiceError {
  override name = 'ValidationError'
  constructor(
    readonly fields: Readonly<Record<string, string>>,
    status = 400,
  ) {
    super(status, Object.values(fields)[0] ?? 'Please check the form.')
  }
}
