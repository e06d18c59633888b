// Every job the site runs, by name: one table that both runners (in-process and BullMQ) use.
import { deleteFinishedOutbox, requeueStaleRelayed } from '../repositories/outbox.js'
import { deleteAccount } from '../services/account-deletion.js'
import { afterComment } from '../services/comments.js'
import { reconcileCounters, recountPosts } from '../services/counter-reconciler.js'
import { buildExport, removeExpiredExports } from '../services/data-export.js'
import { afterFollow, fanOutPost } from '../services/follows.js'
import { makeVideo } from '../services/gif-videos.js'
import { sweepExpired } from '../services/housekeeping.js'
import { afterLike } from '../services/likes.js'
import { sendMail } from '../services/mail-delivery.js'
import { backfillRenditions, makeRenditions } from '../services/modern-renditions.js'
import { afterSave } from '../services/saves.js'
import { removeUnownedFiles } from '../services/stored-renditions.js'
import type { JobCheckpoint, JobContext } from './job-context.js'
import type { JobName, JobPayloads } from './job-names.js'

type Handlers = {
  [J in JobName]: (
    ctx: JobContext,
    payload: JobPayloads[J],
    checkpoint?: JobCheckpoint,
  ) => Promise<void>
}

/** Posts whose counters one run of the scheduled recount checks (every 10 minutes). */
const RECOUNT_PER_RUN = 20_000

/**
 * Recounts like and save counters from the rows, so that drift heals itself: the posts named,
 * or the next stretch of the walk over every post (services/counter-reconciler.ts).
 */
async function recount(ctx: JobContext, payload: JobPayloads['recount']): Promise<void> {
  const mended = payload.postIds
    ? await recountPosts(ctx.db, payload.postIds)
    : await reconcileCounters(ctx.db, { pageSize: 500, perRun: RECOUNT_PER_RUN })
  if (mended.likes + mended.saves > 0) ctx.log.warn(mended, 'recount corrected drifted counters')
}

/**
 * Images completed per backfill run (every RENDITIONS_BACKFILL_SECONDS): a 12 MP photo takes a
 * few seconds of a core, so a run holds the media worker for under a minute and the backfill
 * makes about 7,000 images a day. Sourcefiles looked at per run are bounded too.
 */
export const RENDITIONS_BACKFILL = { perRun: 10, scanPerRun: 2_000, pageSize: 200 }
const RENDITIONS_BACKFILL_SECONDS = 120

/** Gives images stored before the modern formats their AVIF, WebP and responsive widths. */
async function backfill(ctx: JobContext): Promise<void> {
  const done = await backfillRenditions(ctx, RENDITIONS_BACKFILL)
  if (done.completed + done.failed > 0) ctx.log.info(done, 'renditions backfilled')
}

/** Clears what has stopped meaning anything, and puts lost queue work back in line. */
async function sweep(ctx: JobContext): Promise<void> {
  const expired = await sweepExpired(ctx.db)
  const requeued = await requeueStaleRelayed(ctx.db, 600)
  const finished = await deleteFinishedOutbox(ctx.db, 24 * 3600)
  const exports = await removeExpiredExports(ctx)
  if (requeued > 0) ctx.log.warn({ requeued }, 'outbox rows lost by the queue were put back')
  ctx.log.info({ ...expired, finished, exports }, 'swept')
}

export const handlers: Handlers = {
  'after-like': afterLike,
  'after-save': afterSave,
  'after-comment': afterComment,
  'after-follow': afterFollow,
  'fan-out-post': fanOutPost,
  'make-video': makeVideo,
  'make-renditions': makeRenditions,
  'backfill-renditions': backfill,
  'remove-files': removeUnownedFiles,
  'send-mail': sendMail,
  'delete-account': deleteAccount,
  'build-export': buildExport,
  recount,
  sweep,
}

/** Jobs that run on a clock rather than after an action. */
export const schedules: Array<{
  job: 'recount' | 'sweep' | 'backfill-renditions'
  everySeconds: number
}> = [
  { job: 'recount', everySeconds: 600 },
  { job: 'sweep', everySeconds: 300 },
  { job: 'backfill-renditions', everySeconds: RENDITIONS_BACKFILL_SECONDS },
]

export function runJob(
  ctx: JobContext,
  job: string,
  payload: unknown,
  checkpoint?: JobCheckpoint,
): Promise<void> {
  const handler = handlers[job as JobName] as
    | ((ctx: JobContext, payload: unknown, checkpoint?: JobCheckpoint) => Promise<void>)
    | undefined
  return ctx.metrics.timeJob(job, async () => {
    if (!handler) throw new Error(`unknown job ${job}`)
    return handler(ctx, payload, checkpoint)
  })
}
