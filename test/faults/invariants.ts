// What must hold after any fault, checked from the tables and the file store: nothing the user
// was told had happened is missing, counters equal their recounts, every post's files exist and
// every stored file belongs to something, and the follow-up work is done with nothing stuck.
import { readdir } from 'node:fs/promises'
import path from 'node:path'
import { Queue } from 'bullmq'
import { Redis } from 'ioredis'
import type { Config } from '../../src/config.js'
import { schedules } from '../../src/jobs/definitions.js'
import { queueNames } from '../../src/jobs/job-names.js'
import { outboxHealth } from '../../src/repositories/outbox.js'
import { countedLikes, countedSaves } from '../../src/repositories/post-counters.js'
import type { TestSite } from '../helpers/app.js'
import { settle } from '../helpers/jobs.js'
import type { TestS3 } from '../helpers/s3.js'

/** What the site acknowledged (a 2xx or 3xx answer) during the scenario. */
export class Acknowledged {
  /** `user:post` -> liked, from the last acknowledged like or unlike of that pair. */
  readonly likes = new Map<string, boolean>()
  readonly comments = new Set<string>()
  readonly saves = new Set<number>()
  readonly uploads = new Set<number>()

  /** Undefined: the request failed or is in flight, so the pair's state is the site's to choose. */
  like(userId: number, postId: number, liked: boolean | undefined): void {
    const pair = `${userId}:${postId}`
    if (liked === undefined) this.likes.delete(pair)
    else this.likes.set(pair, liked)
  }
}

export type Held = Record<string, boolean>

export interface InvariantReport {
  held: Held
  /** What broke, for the assertion message. */
  problems: string[]
}

/**
 * Waits for the follow-up work to finish (up to settleMs), then checks every invariant.
 * `queues` (production sites) also reads BullMQ's counts.
 */
export async function checkInvariants(
  site: TestSite & { s3?: TestS3 },
  acknowledged: Acknowledged,
  options: { settleMs?: number } = {},
): Promise<InvariantReport> {
  const db = site.app.db
  const problems: string[] = []
  const check = (name: string, broken: string[]): [string, boolean] => {
    problems.push(...broken.map((problem) => `${name}: ${problem}`))
    return [name, broken.length === 0]
  }

  const deadline = Date.now() + (options.settleMs ?? 30_000)
  let settled: string[] = []
  await settle(site.app, deadline - Date.now()).catch((error: Error) => {
    settled = [error.message]
  })
  // A job whose worker lost Redis mid-way stays "active" until its lock expires and it is taken
  // up again: that is recovery, not a stuck job, as long as it happens before the deadline.
  let leftovers = await queueLeftovers(site.config)
  while (leftovers.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250))
    leftovers = await queueLeftovers(site.config)
  }
  const outbox = await outboxHealth(db)
  const stuckJobs = [
    ...settled,
    ...(outbox.dead > 0 ? [`${outbox.dead} dead outbox rows`] : []),
    ...leftovers,
  ]

  const favorites = await db.selectFrom('favorite').select(['user_id', 'sharedfile_id']).execute()
  const liked = new Set(favorites.map((f) => `${f.user_id}:${f.sharedfile_id}`))
  const lostLikes = [...acknowledged.likes]
    .filter(([pair, want]) => liked.has(pair) !== want)
    .map(([pair, want]) => `${pair} should be ${want ? 'liked' : 'not liked'}`)

  const comments = new Set(
    (await db.selectFrom('comment').select('body').where('deleted', '=', 0).execute()).map(
      (c) => c.body,
    ),
  )
  const lostComments = [...acknowledged.comments].filter((body) => !comments.has(body))

  const livePosts = await db
    .selectFrom('sharedfile')
    .select(['id', 'like_count', 'save_count', 'deleted'])
    .execute()
  const live = new Set(livePosts.filter((p) => p.deleted === 0).map((p) => p.id))
  const lostSaves = [...acknowledged.saves].filter((id) => !live.has(id)).map(String)
  const lostUploads = [...acknowledged.uploads].filter((id) => !live.has(id)).map(String)

  const drifted: string[] = []
  for (const post of livePosts) {
    const likes = await countedLikes(db, post.id)
    const saves = await countedSaves(db, post.id)
    if (post.like_count !== likes || post.save_count !== saves)
      drifted.push(`post ${post.id}: ${post.like_count}/${post.save_count} vs ${likes}/${saves}`)
  }

  // Each follow-up once: a live like has its notification (Redis losing the job must not lose it).
  const notified = new Set(
    (
      await db
        .selectFrom('notification')
        .select(['sender_id', 'action_id'])
        .where('type', '=', 'favorite')
        .execute()
    ).map((n) => `${n.sender_id}:${n.action_id}`),
  )
  const unnotified = [...liked].filter((pair) => !notified.has(pair))

  const owned = new Set<string>()
  const sourcefiles = await db
    .selectFrom('sourcefile')
    .innerJoin('sharedfile', 'sharedfile.sourcefile_id', 'sourcefile.id')
    .select(['sourcefile.id', 'sourcefile.renditions'])
    .distinct()
    .execute()
  const missing: string[] = []
  const stored = new Set(await storedKeys(site))
  for (const file of sourcefiles) {
    const renditions = JSON.parse(file.renditions) as Array<{ key: string }>
    for (const { key } of renditions) {
      owned.add(key)
      if (!stored.has(key)) missing.push(key)
    }
  }
  // Files that are not images of a post: avatars and shake pictures.
  for (const user of await db.selectFrom('user').select('avatar_key').execute())
    if (user.avatar_key) owned.add(user.avatar_key)
  for (const shake of await db.selectFrom('shake').select('image_key').execute())
    if (shake.image_key) owned.add(shake.image_key)
  const orphans = [...stored].filter((key) => !owned.has(key))

  const held = Object.fromEntries([
    check('likes kept', lostLikes),
    check('saves kept', lostSaves),
    check('comments kept', lostComments),
    check('uploads kept', lostUploads),
    check('counts = recounts', drifted),
    check('follow-up done', unnotified),
    check("posts' files exist", missing),
    check('no orphan files', orphans),
    check('no stuck jobs', stuckJobs),
  ])
  return { held, problems }
}

/**
 * Jobs left in BullMQ's queues: anything waiting, active or failed, and delayed jobs other than
 * the next run of a scheduled job.
 */
async function queueLeftovers(config: Readonly<Config>): Promise<string[]> {
  if (!config.redisUrl) return []
  const connection = new Redis(config.redisUrl, { maxRetriesPerRequest: 1 })
  const scheduled = new Set<string>(schedules.map((s) => s.job))
  try {
    const leftovers: string[] = []
    for (const name of queueNames) {
      const queue = new Queue(name, {
        connection,
        prefix: config.redisPrefix,
        skipVersionCheck: true,
      })
      const counts = await queue.getJobCounts('waiting', 'active', 'failed')
      const delayed = (await queue.getDelayed()).filter((job) => !scheduled.has(job.name))
      await queue.close()
      if (counts.waiting || counts.active || counts.failed || delayed.length)
        leftovers.push(`queue ${name}: ${JSON.stringify({ ...counts, delayed: delayed.length })}`)
    }
    return leftovers
  } catch (error) {
    return [`queues unreadable: ${(error as Error).message}`]
  } finally {
    connection.disconnect()
  }
}

/** Every key in the site's file store: the bucket, or the files folder. */
async function storedKeys(site: TestSite & { s3?: TestS3 }): Promise<string[]> {
  if (site.s3) return site.s3.keys()
  const root = path.join(site.config.dataDir, 'files')
  const files = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => [])
  return files
    .filter((entry) => entry.isFile())
    .map((entry) =>
      path.relative(root, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'),
    )
}
