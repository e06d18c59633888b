// How the nodes of a site tell each other which of their per-node copies a write changed (the
// page cache's pages, the session cache's members): Redis pub/sub, one channel per kind of copy,
// each message a list of tags. A node that cannot hear the others is told so (`hearing`), every
// failure is logged, and a node that started while Redis was away subscribes once it is back
// instead of never. A channel may ask to be confirmed (the session cache's: a sign-out must end
// a session on every node before it is answered): each node that heard a message says so on the
// sender's own reply channel, and the sender's publish waits for as many as Redis delivered to.
import { randomUUID } from 'node:crypto'

interface ChannelLog {
  warn(details: object, message: string): void
}

export interface TagChannel {
  /**
   * Tells the other nodes; resolves once Redis has taken the message, or on a confirmed channel
   * once every node it reached has dropped what it names (false: it could not, or not every node
   * confirmed within the time allowed, and the failure is logged). Never rejects.
   */
  publish(tags: readonly string[]): Promise<boolean>
  close(): void
}

export interface TagChannelOptions {
  /** Redis URL, the channel's name, and what its copies are called in the log ("page cache"). */
  url: string
  name: string
  label: string
  log: ChannelLog
  heard: (tags: readonly string[]) => void
  /** True once subscribed, false whenever the subscription may have missed a message. */
  hearing?: (hearing: boolean) => void
  /** Whether a publish waits for every node that received it to say it heard it. */
  confirmed?: boolean
  /** How long a publish waits for the confirmations: past it, it resolves false (default 1 s). */
  confirmTimeoutMs?: number
}

/** A confirmed message: what to drop, and where and under what number to say it was heard. */
interface ConfirmedMessage {
  tags: readonly string[]
  reply: string
  id: number
}

/** A publish waiting for its confirmations: those heard so far, and how many Redis delivered. */
interface Waiting {
  heard: number
  delivered: number | undefined
  done: (confirmed: boolean) => void
}

export async function openTagChannel(options: TagChannelOptions): Promise<TagChannel> {
  const { url, name, label, log, heard, hearing = () => {} } = options
  const { confirmed = false, confirmTimeoutMs = 1000 } = options
  // This node's reply channel: the other nodes confirm its messages there.
  const replies = `${name}:heard:${randomUUID()}`
  // Loaded only with REDIS_URL: an embedded site is one node, with nothing to tell.
  const { Redis } = await import('ioredis')
  const clientOptions = { connectTimeout: 1000, maxRetriesPerRequest: 1 }
  // A publish fails at once while Redis is away, and within a second if it hangs: a write
  // waiting on it (a sign-out) is held no longer than that.
  const publisher = new Redis(url, {
    ...clientOptions,
    enableOfflineQueue: false,
    commandTimeout: 1000,
  })
  const subscriber = new Redis(url, clientOptions)
  for (const client of [publisher, subscriber])
    client.on('error', (error) => log.warn({ err: error }, `${label}: redis error`))
  const waiting = new Map<number, Waiting>()
  let lastId = 0
  let subscribed = false
  const settle = (id: number, entry: Waiting) => {
    if (entry.delivered === undefined || entry.heard < entry.delivered) return
    waiting.delete(id)
    entry.done(true)
  }
  subscriber.on('message', (channel: string, message: string) => {
    if (channel === replies) {
      const id = Number(message)
      const entry = waiting.get(id)
      if (!entry) return
      entry.heard++
      settle(id, entry)
      return
    }
    const read = messageIn(message, `${name}:heard:`, label, log)
    heard(read.tags)
    // Said only once the tags are dropped: the sender answers its write after this.
    if (read.reply)
      publisher.publish(read.reply, String(read.id)).catch((error: unknown) => {
        log.warn({ err: error }, `${label}: could not confirm a message heard`)
      })
  })
  // On every connection, the first included: a subscription that failed (Redis away at start,
  // or gone again before it answered) is never taken up again by the client on its own.
  subscriber.on('ready', () => {
    subscriber.subscribe(name, replies).then(
      () => {
        subscribed = true
        hearing(true)
      },
      (error: unknown) => {
        log.warn({ err: error }, `${label}: not hearing the other nodes until Redis is back`)
      },
    )
  })
  // A lost connection may have lost messages with it.
  subscriber.on('close', () => {
    subscribed = false
    hearing(false)
  })

  const notTold = (error: unknown, tags: readonly string[]) => {
    log.warn({ err: error, tags }, `${label}: other nodes not told (their copies expire)`)
    return false
  }
  const publishConfirmed = async (tags: readonly string[]): Promise<boolean> => {
    // Without the reply channel no confirmation could arrive: told, but not known to be heard.
    if (!subscribed)
      return publisher.publish(name, JSON.stringify(tags)).then(
        (delivered) => {
          log.warn({ tags, delivered }, `${label}: other nodes told, their answers not heard`)
          return false
        },
        (error: unknown) => notTold(error, tags),
      )
    const id = ++lastId
    const message: ConfirmedMessage = { tags, reply: replies, id }
    let done: (confirmed: boolean) => void = () => {}
    const outcome = new Promise<boolean>((resolve) => {
      done = resolve
    })
    const entry: Waiting = { heard: 0, delivered: undefined, done }
    // Waiting before the publish: a confirmation may come back before Redis's answer to it.
    waiting.set(id, entry)
    const timer = setTimeout(() => {
      if (!waiting.delete(id)) return
      log.warn(
        { tags, delivered: entry.delivered, confirmed: entry.heard },
        `${label}: not every node confirmed within ${confirmTimeoutMs} ms`,
      )
      done(false)
    }, confirmTimeoutMs)
    try {
      entry.delivered = await publisher.publish(name, JSON.stringify(message))
    } catch (error) {
      waiting.delete(id)
      done(notTold(error, tags))
    }
    settle(id, entry)
    const confirmedInTime = await outcome
    clearTimeout(timer)
    return confirmedInTime
  }

  return {
    publish(tags) {
      if (confirmed) return publishConfirmed(tags)
      return publisher.publish(name, JSON.stringify(tags)).then(
        () => true,
        (error: unknown) => notTold(error, tags),
      )
    },
    close() {
      hearing(false)
      for (const entry of waiting.values()) entry.done(false)
      waiting.clear()
      publisher.disconnect()
      subscriber.disconnect()
    },
  }
}

const areTags = (tags: unknown): tags is string[] =>
  Array.isArray(tags) && tags.every((tag) => typeof tag === 'string')

/**
 * The tags a message names, and where to confirm it if it asks; everything when it cannot be
 * read, as dropping more is safe.
 */
function messageIn(
  message: string,
  replyPrefix: string,
  label: string,
  log: ChannelLog,
): { tags: readonly string[]; reply?: string; id?: number } {
  try {
    const read: unknown = JSON.parse(message)
    if (areTags(read)) return { tags: read }
    const asked = read as Partial<ConfirmedMessage> | null
    if (
      areTags(asked?.tags) &&
      typeof asked.reply === 'string' &&
      asked.reply.startsWith(replyPrefix) &&
      Number.isSafeInteger(asked.id)
    )
      return { tags: asked.tags, reply: asked.reply, id: asked.id as number }
  } catch {
    // Reported below with the message itself.
  }
  log.warn({ message: message.slice(0, 200) }, `${label}: unreadable message, dropping all`)
  return { tags: ['*'] }
}
