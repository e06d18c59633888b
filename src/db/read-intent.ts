// Whether the queries running now may read from a replica. A web request decides once it knows
// who is asking (see plugins/read-routing.ts); everything outside a request, and every part of
// a request before that decision, reads from the primary.
import { AsyncLocalStorage } from 'node:async_hooks'

export interface ReadIntent {
  replica: boolean
  /** Set by the first write that runs under the intent: the rest of the request reads its own write. */
  wrote?: boolean
}

const intents = new AsyncLocalStorage<ReadIntent>()

/** Runs `fn` (and everything it starts) under `intent`, which the caller may change later. */
export function withReadIntent<T>(intent: ReadIntent, fn: () => T): T {
  return intents.run(intent, fn)
}

export function mayReadFromReplica(): boolean {
  return intents.getStore()?.replica === true
}

/** A write ran: later reads of the same request go to the primary, which has it. */
export function noteWrite(): void {
  const intent = intents.getStore()
  if (!intent) return
  intent.replica = false
  intent.wrote = true
}
