// Reading HTML form fields: anything missing or not a plain string reads as ''.
import type { FastifyRequest } from 'fastify'

export function formFields<const K extends string>(
  request: FastifyRequest,
  names: readonly K[],
): Record<K, string> {
  const body = (request.body ?? {}) as Record<string, unknown>
  const fields = {} as Record<K, string>
  for (const name of names) {
    const value = body[name]
    fields[name] = typeof value === 'string' ? value : ''
  }
  return fields
}

export function queryField(request: FastifyRequest, name: string): string {
  const value = (request.query as Record<string, unknown> | undefined)?.[name]
  return typeof value === 'string' ? value : ''
}
