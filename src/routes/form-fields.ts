// Reading query-string fields: anything missing or not a plain string (a repeated name) reads
// as ''. Form bodies are typed by their route schemas instead (src/routes/schemas.ts).
import type { FastifyRequest } from 'fastify'

export function queryField(request: FastifyRequest, name: string): string {
  const value = (request.query as Record<string, unknown> | undefined)?.[name]
  return typeof value === 'string' ? value : ''
}
