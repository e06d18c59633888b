// pino options shared by every process: secrets redacted, pretty output only on a terminal.
import type { FastifyServerOptions } from 'fastify'
import type { Config } from './config.js'

// One-time tokens travel in URLs; keep them out of the logs.
const tokenInPath = /\/(verify-email|reset-password)\/[^/?#]+/g

const csrfInQuery = /([?&]_csrf=)[^&#]*/g

export function redactUrl(url: string): string {
  return url.replace(tokenInPath, '/$1/[redacted]').replace(csrfInQuery, '$1[redacted]')
}

export function loggerOptions(
  config: Config,
  stream?: { write(line: string): void },
): FastifyServerOptions['logger'] {
  const pretty = !stream && process.stdout.isTTY && config.env !== 'production'
  return {
    level: config.logLevel,
    redact: {
      paths: [
        'req.headers.cookie',
        'req.headers.authorization',
        'req.headers["x-csrf-token"]',
        'res.headers["set-cookie"]',
      ],
      censor: '[redacted]',
    },
    serializers: {
      req(request) {
        return {
          method: request.method,
          url: redactUrl(request.url),
          host: request.host,
          remoteAddress: request.ip,
        }
      },
    },
    ...(pretty
      ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss' } } }
      : {}),
    ...(stream ? { stream } : {}),
  }
}
