// Data export: a user asks from settings; a job writes a ZIP of their original images and their
// posts, comments, likes and follows as JSON, streamed to a temporary file (never whole in
// memory), stores it under a private, unguessable key and mails them. Only they, signed in,
// can download it, until it expires and the sweep removes it.
import { randomBytes } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { ZipFile as Zip } from 'yazl'
import type { Database } from '../db/database.js'
import { inTransaction } from '../db/transaction.js'
import { enqueue } from '../jobs/enqueue.js'
import type { JobContext } from '../jobs/job-context.js'
import type { JobPayloads, WorkSignal } from '../jobs/job-names.js'
import { tempPath } from '../media/temp-file.js'
import {
  commentsForExport,
  type ExportedPost,
  followsForExport,
  likesForExport,
  postsForExport,
} from '../repositories/export-data.js'
import {
  type DataExport,
  deleteExports,
  expiredExports,
  findExport,
  insertExport,
  liveExportsOf,
  markExportReady,
} from '../repositories/exports.js'
import type { Rendition } from '../repositories/sourcefiles.js'
import { findUserById, type User } from '../repositories/users.js'
import { ServiceError } from './errors.js'
import { isUploadedVideo, UPLOADED_VIDEO } from './gif-videos.js'
import { queueMail } from './mail-delivery.js'
import { shareKey } from './share-keys.js'

export const EXPORT_TTL_SECONDS = 7 * 24 * 3600
/** A request younger than this, still pending, is in the works: asking again waits for it. */
const PENDING_SECONDS = 6 * 3600

const extensions: Record<string, string> = { jpeg: 'jpg', png: 'png', gif: 'gif', webp: 'webp' }

export class DataExportService {
  constructor(
    private readonly db: Database,
    private readonly work: WorkSignal,
  ) {}

  async request(user: User): Promise<void> {
    const busy = (await liveExportsOf(this.db, user.id)).some(
      (e) => e.status === 'pending' && e.createdAt.getTime() > Date.now() - PENDING_SECONDS * 1000,
    )
    if (busy) {
      throw new ServiceError(
        409,
        'Your export is already being prepared. We will mail you when it is ready.',
      )
    }
    await inTransaction(this.db, async (trx) => {
      const exportId = await insertExport(trx, user.id, EXPORT_TTL_SECONDS)
      await enqueue(trx, 'build-export', { exportId })
    })
    this.work.kick()
  }

  list(user: User): Promise<DataExport[]> {
    return liveExportsOf(this.db, user.id)
  }

  /** The archive's storage key, for its owner only; anyone else learns nothing (404). */
  async download(user: User, id: string): Promise<{ storageKey: string; fileName: string }> {
    const found = /^\d{1,10}$/.test(id) ? await findExport(this.db, Number(id)) : undefined
    if (
      !found ||
      found.userId !== user.id ||
      found.status !== 'ready' ||
      !found.storageKey ||
      (found.expiresAt && found.expiresAt.getTime() <= Date.now())
    ) {
      throw new ServiceError(404, 'There is no such export. Exports are removed after 7 days.')
    }
    return {
      storageKey: found.storageKey,
      fileName: `mlkshk-${user.name}-${found.createdAt.toISOString().slice(0, 10)}.zip`,
    }
  }
}

function json(value: unknown): Buffer {
  return Buffer.from(`${JSON.stringify(value, null, 2)}\n`)
}

/** The job: builds the archive, stores it and mails its owner. */
function uploadedVideoFile(post: ExportedPost): Rendition | undefined {
  if (!isUploadedVideo(post)) return undefined
  const named = (name: string) => post.renditions.find((r) => r.name === name)
  return named('mp4') ?? named(UPLOADED_VIDEO)
}

export async function buildExport(
  ctx: JobContext,
  payload: JobPayloads['build-export'],
): Promise<void> {
  const { db } = ctx
  const request = await findExport(db, payload.exportId)
  if (request?.status !== 'pending') return
  const user = await findUserById(db, request.userId)
  if (!user) return
  const { store } = ctx
  const posts = await postsForExport(db, user.id)

  // Loaded here: only the process that runs this job needs the zip writer.
  const { ZipFile } = await import('yazl')
  const zip: Zip = new ZipFile()
  // A file that cannot be read fails the archive (and the job, which is tried again).
  zip.on('error', (error: Error) => (zip.outputStream as Readable).destroy(error))
  zip.addBuffer(
    json({
      name: user.name,
      email: user.email,
      fullName: user.fullName,
      about: user.about,
      website: user.website,
      joined: user.createdAt.toISOString(),
    }),
    'account.json',
  )
  // One file per image the user uploaded (saves point at other people's images).
  const files = new Map<number, string>()
  for (const post of posts) {
    if (post.savedFromId !== null || !post.original || files.has(post.sourcefileId)) continue
    // An uploaded video's file is its video (re-encoded, or as uploaded while it waits), not
    // the poster its pictures are made from.
    const video = uploadedVideoFile(post)
    const extension = video
      ? video.key.slice(video.key.lastIndexOf('.') + 1)
      : extensions[post.format]
    const name = `images/${shareKey(post.id)}.${extension ?? 'bin'}`
    files.set(post.sourcefileId, name)
    const key = (video ?? post.original).key
    // Opened one at a time, as the archive reaches it; images are not compressed again.
    zip.addReadStreamLazy(name, { compress: false }, (done) => {
      store.read(key).then(
        (stream) => done(null, stream),
        (error: unknown) => done(error, undefined as never),
      )
    })
  }
  zip.addBuffer(
    json(
      posts.map((post) => ({
        key: shareKey(post.id),
        url: `${ctx.config.baseUrl}/p/${shareKey(post.id)}`,
        title: post.title,
        description: post.description,
        altText: post.altText,
        postedAt: post.createdAt,
        likes: post.likeCount,
        saves: post.saveCount,
        views: post.viewCount,
        savedFrom: post.savedFromId === null ? null : shareKey(post.savedFromId),
        contentType: post.contentType,
        image: files.get(post.sourcefileId) ?? null,
      })),
    ),
    'posts.json',
  )
  zip.addBuffer(
    json(
      (await commentsForExport(db, user.id)).map((c) => ({
        post: shareKey(c.postId),
        body: c.body,
        postedAt: c.createdAt,
      })),
    ),
    'comments.json',
  )
  zip.addBuffer(
    json(
      (await likesForExport(db, user.id)).map((l) => ({
        post: shareKey(l.postId),
        postedBy: l.postedBy,
        likedAt: l.likedAt,
      })),
    ),
    'likes.json',
  )
  zip.addBuffer(json(await followsForExport(db, user.id)), 'follows.json')
  zip.end()

  const file = await tempPath(ctx.config.tmpDir, '.zip')
  try {
    await pipeline(zip.outputStream, createWriteStream(file.path, { mode: 0o600 }))
    const storageKey = `x/${user.id}/${randomBytes(16).toString('hex')}.zip`
    await store.put(storageKey, file.path, 'application/zip')
    const size = (await stat(file.path)).size
    // Ready and announced together: the mail is a job of its own, with its own retries.
    await inTransaction(db, async (trx) => {
      await markExportReady(trx, request.id, {
        storageKey,
        size,
        ttlSeconds: EXPORT_TTL_SECONDS,
      })
      await queueMail(trx, { mail: 'exportReady', userId: user.id, exportId: request.id })
    })
  } finally {
    await file.cleanup()
  }
  ctx.log.info({ userId: user.id, exportId: request.id, images: files.size }, 'export built')
}

/** Part of the sweep: removes expired archives from storage, then their rows. */
export async function removeExpiredExports(ctx: JobContext): Promise<number> {
  const expired = await expiredExports(ctx.db)
  if (expired.length === 0) return 0
  const keys = expired.flatMap((e) => (e.storageKey ? [e.storageKey] : []))
  if (keys.length > 0) await ctx.store.delete(keys)
  await deleteExports(
    ctx.db,
    expired.map((e) => e.id),
  )
  return expired.length
}
