// How the nodes of a site tell each other which cached pages a write changed: Redis pub/sub on
// one channel. A node that cannot hear them serves a changed page until it expires (seconds),
// so every failure is logged, and a node that started while Redis was away subscribes once it
// is back instead of never.

interface ChannelLog {
  warn(details: object, message: string): void
}

export interface PageCacheChannel {
  /** Tells the other nodes; when Redis is away their copies expire on their own. */
  publish(tags: readonly string[]): void
  close(): void
}

export async function openPageCacheChannel(
  url: string,
  name: string,
  log: ChannelLog,
  heard: (tags: readonly string[]) => void,
): Promise<PageCacheChannel> {
  // Loaded only with REDIS_URL: an embedded site is one node, with nothing to tell.
  const { Redis } = await import('ioredis')
  const options = { connectTimeout: 1000, maxRetriesPerRequest: 1 }
  const publisher = new Redis(url, { ...options, enableOfflineQueue: false })
  const subscriber = new Redis(url, options)
  for (const client of [publisher, subscriber])
    client.on('error', (error) => log.warn({ err: error }, 'page cache: redis error'))
  subscriber.on('message', (_channel, message: string) => heard(tagsIn(message, log)))
  // On every connection, the first included: a subscription that failed (Redis away at start,
  // or gone again before it answered) is never taken up again by the client on its own.
  subscriber.on('ready', () => {
    subscriber.subscribe(name).catch((error: unknown) => {
      log.warn({ err: error }, 'page cache: not hearing the other nodes until Redis is back')
    })
  })
  return {
    publish(tags) {
      publisher.publish(name, JSON.stringify(tags)).catch((error: unknown) => {
        log.warn({ err: error, tags }, 'page cache: other nodes not told (their copies expire)')
      })
    },
    close() {
      publisher.disconnect()
      subscriber.disconnect()
    },
  }
}

/** The tags a message names; everything when it cannot be read, as dropping more is safe. */
function tagsIn(message: string, log: ChannelLog): readonly string[] {
  try {
    const tags: unknown = JSON.parse(message)
    if (Array.isArray(tags) && tags.every((tag) => typeof tag === 'string')) return tags
  } catch {
    // Reported below with the message itself.
  }
  log.warn({ message: message.slice(0, 200) }, 'page cache: unreadable message, dropping all')
  return ['*']
}
