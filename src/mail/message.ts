export interface MailMessage {
  from: string
  to: string
  subject: string
  text: string
}

/** Delivers one rendered message. Throws when the message was not accepted. */
export interface MailTransport {
  readonly name: string
  send(message: MailMessage): Promise<void>
}

/** The slice of a logger the mail module uses; pino's loggers fit. */
export interface MailLog {
  info(obj: object, msg: string): void
  error(obj: object, msg: string): void
}
