// Views that nginx answered: nginx keeps the app's /r/ answers for a few seconds, so the app no
// longer sees every look. nginx writes one line per look (the post id) to its image hit log
// (views.log, VIEW_LOG_FILE); this reads what was added, hands it to the view counter, and
// empties the log once all of it is read, so it stays small and a restart neither recounts nor
// skips much. One reader per log: the node's one web process.
import { open } from 'node:fs/promises'
import type { ViewCounter } from './view-counter.js'

/** At most this much of the log per read: a backlog is taken in steps. */
const MAX_READ_BYTES = 4 * 2 ** 20

interface ReadLog {
  warn(details: object, message: string): void
}

export class ImageHitLog {
  private offset = 0
  private timer: NodeJS.Timeout | undefined
  private reading: Promise<void> = Promise.resolve()

  constructor(
    private readonly file: string,
    private readonly counter: Pick<ViewCounter, 'record'>,
    private readonly log: ReadLog,
    private readonly everyMs = 2_000,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      // Nothing is lost: the offset moves only past lines counted, so the next read takes
      // them up again.
      this.read().catch((err: unknown) =>
        this.log.warn({ err, file: this.file }, 'image hit log not read yet'),
      )
    }, this.everyMs)
    this.timer.unref()
  }

  /** Counts the lines written since the last read (one read at a time). */
  read(): Promise<void> {
    // A failed read was reported to its own caller; the next one still runs.
    this.reading = this.reading.catch(() => {}).then(() => this.readOnce())
    return this.reading
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    await this.read().catch((err: unknown) =>
      this.log.warn(
        { err, file: this.file },
        'image hit log not read at shutdown: its lines wait for the next start',
      ),
    )
  }

  private async readOnce(): Promise<void> {
    let handle: Awaited<ReturnType<typeof open>>
    try {
      handle = await open(this.file, 'r+')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return
      throw error
    }
    try {
      const { size } = await handle.stat()
      // Emptied or rotated by someone else: start over.
      if (size < this.offset) this.offset = 0
      if (size === this.offset) return
      const buffer = Buffer.alloc(Math.min(size - this.offset, MAX_READ_BYTES))
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, this.offset)
      // A line nginx is still writing waits for the next read.
      const end = buffer.lastIndexOf(0x0a, bytesRead - 1) + 1
      for (const line of buffer.toString('latin1', 0, end).split('\n')) {
        const postId = Number(line)
        if (line !== '' && Number.isSafeInteger(postId) && postId > 0) this.counter.record(postId)
      }
      this.offset += end
      // nginx appends (O_APPEND), so after the truncation its next line lands at the start. A
      // line written between this stat and the truncation is lost: a window of microseconds.
      if ((await handle.stat()).size === this.offset) {
        await handle.truncate(0)
        this.offset = 0
      }
    } finally {
      await handle.close()
    }
  }
}
