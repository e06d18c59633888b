// How the nodes of a site tell each other which of their per-node copies a write changed (the
// page cache's pages, the session cache's members): Redis pub/sub, one channel per kind of copy,
// each message a list of tags. A node that cannot hear the others is told so (`hearing`), every
// failure is logged, and a node that started while Redis was away subscribes once it is back
// instead of never.

interface ChannelLog {
  warn(details: object, message: string): void
}

export interface TagChannel {
  /**
   * Tells the other nodes; resolves once Redis has taken the message (false: it could not,
   * and the failure is logged). Never rejects.
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
}

export async function openTagChannel(options: TagChannelOptions): Promise<TagChannel> {
  const { url, name, label, log, heard, hearing = () => {} } = options
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
  subscriber.on('message', (_channel, message: string) => heard(tagsIn(message, label, log)))
  // On every connection, the first included: a subscription that failed (Redis away at start,
  // or gone again before it answered) is never taken up again by the client on its own.
  subscriber.on('ready', () => {
    subscriber.subscribe(name).then(
      () => hearing(true),
      (error: unknown) => {
        log.warn({ err: error }, `${label}: not hearing the other nodes until Redis is back`)
      },
    )
  })
  // A lost connection may have lost messages with it.
  subscriber.on('close', () => hearing(false))
  return {
    publish(tags) {
      return publisher.publish(name, JSON.stringify(tags)).then(
        () => true,
        (error: unknown) => {
          log.warn({ err: error, tags }, `${label}: other nodes not told (their copies expire)`)
          return false
        },
      )
    },
    close() {
      hearing(false)
      publisher.disconnect()
      subscriber.disconnect()
    },
  }
}

/** The tags a message names; everything when it cannot be read, as dropping more is safe. */
function tagsIn(message: string, label: string, log: ChannelLog): readonly string[] {
  try {
    const tags: unknown = JSON.parse(message)
    if (Array.isArray(tags) && tags.every((tag) => typeof tag === 'string')) return tags
  } catch {
    // Reported below with the message itself.
  }
  log.warn({ message: message.slice(0, 200) }, `${label}: unreadable message, dropping all`)
  return ['*']
}
