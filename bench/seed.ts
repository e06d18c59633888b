// A realistic data set for benchmarks and the query-budget test, in either database: users with
// their shakes, group shakes, a long-tail follow graph, posts and saves over distinct images,
// likes, comments, a timeline for one reader who follows 500 shakes, and the two hot spots of a
// big site: an account every member follows and a post liked by half of them. Deterministic
// (seeded PRNGs), streamed from generators into bulk inserts (memory stays bounded at any
// scale), counters computed from the rows.
//
//   npm run seed                     (DATABASE_URL and DATA_DIR as for the app; SQLite default)
//   npm run seed -- --scale 0.1      (a tenth of everything)
//   npm run seed -- --scale 10       (100,000 users, 2,000,000 posts, 10,000,000 likes, ...)
//
// The database must be empty (migrated or not); the seed migrates it first.

import { createHash } from 'node:crypto'
import { link, mkdir, stat } from 'node:fs/promises'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { sql } from 'kysely'
import sharp from 'sharp'
import { loadConfig } from '../src/config.js'
import { type Database, openDatabase } from '../src/db/database.js'
import { isMysql, toDbDateTime } from '../src/db/dialect.js'
import { migrateToLatest } from '../src/db/migrator.js'
import { projectRoot } from '../src/paths.js'
import { refillKeptValues, refillPostWords } from '../src/repositories/kept-values.js'
import { hashPassword } from '../src/services/passwords.js'
import { postWords, searchWords } from '../src/services/search-query.js'
import { bulkInsert, deferIndexes, type Row } from './harness/bulk-insert.js'

export const SEED_PASSWORD = 'seeded-password-1'
/** The signed-in home scenario's user: follows READER_FOLLOWS shakes. */
export const READER_NAME = 'reader'
/** The account every seeded member follows (100,000 followers at scale 10). */
export const HOT_ACCOUNT_NAME = 'celebrity'
const READER_FOLLOWS = 500
const MAGIC_THRESHOLD = 10
const DAY = 24 * 3600 * 1000

export interface SeedCounts {
  users: number
  groupShakes: number
  images: number
  /** Originals and saves together; half of them are saves. */
  posts: number
  /** Every like, the hot post's included. */
  likes: number
  comments: number
  /** Members who follow the hot account (at most `users`: each member follows it at most once). */
  hotFollowers: number
  /** Likes on the hot post (part of `likes`; at most `users`). */
  hotLikes: number
}

export const fullScale: SeedCounts = {
  users: 10_000,
  groupShakes: 400,
  images: 20_000,
  posts: 200_000,
  likes: 1_000_000,
  comments: 300_000,
  hotFollowers: 10_000,
  hotLikes: 5_000,
}

export function scaled(factor: number): SeedCounts {
  const n = (x: number, min: number) => Math.max(min, Math.round(x * factor))
  const users = n(fullScale.users, 50)
  const likes = n(fullScale.likes, 1000)
  return {
    users,
    groupShakes: n(fullScale.groupShakes, 5),
    images: n(fullScale.images, 20),
    posts: n(fullScale.posts, 200),
    likes,
    comments: n(fullScale.comments, 300),
    hotFollowers: Math.min(users, n(fullScale.hotFollowers, 10)),
    hotLikes: Math.min(users, Math.floor(likes / 2), n(fullScale.hotLikes, 10)),
  }
}

/** mulberry32: small, fast, and the same sequence on every machine. */
function prng(seed: number) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const WORDS =
  'milk shake cat dog sunset coffee rain city night bird tree river light shadow morning ocean train bridge snow garden window street old new tiny giant happy strange quiet loud blue red green golden'.split(
    ' ',
  )

interface PoolImage {
  width: number
  height: number
  files: Array<{ name: string; file: string; width: number; height: number; size: number }>
}

/** A few hundred small real JPEGs (with their small and thumb renditions), reused by many keys. */
async function makeImagePool(dir: string, count: number, random: () => number) {
  await mkdir(dir, { recursive: true })
  const pool: PoolImage[] = []
  for (let i = 0; i < count; i++) {
    const width = 320 + Math.floor(random() * 220)
    const height = 240 + Math.floor(random() * 300)
    const color = {
      r: Math.floor(random() * 255),
      g: Math.floor(random() * 255),
      b: Math.floor(random() * 255),
    }
    const original = path.join(dir, `${i}-original.jpg`)
    const exists = await stat(original).then(
      () => true,
      () => false,
    )
    if (!exists) {
      await sharp({
        create: {
          width,
          height,
          channels: 3,
          background: color,
          noise: { type: 'gaussian', mean: 128, sigma: 30 },
        },
      })
        // A block of another colour (no SVG: the app blocks that loader in-process).
        .composite([
          {
            input: {
              create: {
                width: Math.floor(width / 2),
                height: Math.floor(height / 2),
                channels: 3,
                background: { r: color.b, g: color.r, b: color.g },
              },
            },
            left: Math.floor(width / 4),
            top: Math.floor(height / 4),
          },
        ])
        .jpeg({ quality: 85 })
        .toFile(original)
      await sharp(original)
        .resize({ width: 270, height: 200, fit: 'inside' })
        .jpeg({ quality: 85 })
        .toFile(path.join(dir, `${i}-small.jpg`))
      await sharp(original)
        .resize(100, 100, { fit: 'cover' })
        .jpeg({ quality: 85 })
        .toFile(path.join(dir, `${i}-thumb.jpg`))
    }
    const files = []
    for (const name of ['original', 'small', 'thumb']) {
      const file = path.join(dir, `${i}-${name}.jpg`)
      const meta = await sharp(file).metadata()
      files.push({
        name,
        file,
        width: meta.width as number,
        height: meta.height as number,
        size: (await stat(file)).size,
      })
    }
    pool.push({ width, height, files })
  }
  return pool
}

export interface SeedResult {
  counts: SeedCounts
  readerName: string
  /** The user with the most posts: the /user/NAME scenario. */
  busiestUserName: string
  /** The most liked original posted 1-2% of the way back (as old at every scale): /p/KEY. */
  busyPostId: number
  /** The account every member follows (`counts.hotFollowers` followers). */
  hotAccountName: string
  hotAccountId: number
  /** The hot account's newest original, liked `counts.hotLikes` times. */
  hotPostId: number
  likes: number
  timelineRows: number
  subscriptions: number
}

/** How a post's likers are drawn: distinct, never its owner, the active members most often. */
function* likersOf(
  likes: number,
  owner: number,
  users: number,
  random: () => number,
): Generator<number> {
  if (likes * 3 <= users) {
    const seen = new Set<number>()
    for (let tries = 0; seen.size < likes && tries < likes * 50; tries++) {
      const user = 1 + Math.floor(random() ** 2 * users)
      if (user === owner || seen.has(user)) continue
      seen.add(user)
      yield user
    }
    // The few a skewed draw is slow to reach, in id order.
    for (let user = 1; user <= users && seen.size < likes; user++) {
      if (user === owner || seen.has(user)) continue
      seen.add(user)
      yield user
    }
    return
  }
  // A large share of all members (the hot post): a walk with a stride prime to the member count
  // visits each once, with no set of tens of thousands to remember.
  const stride = users % 7919 === 0 ? 7907 : 7919
  const first = Math.floor(random() * users)
  let given = 0
  for (let i = 0; i < users && given < likes; i++) {
    const user = 1 + ((first + i * stride) % users)
    if (user === owner) continue
    given++
    yield user
  }
}

/**
 * Fills an empty, migrated database. `filesRoot` (the LocalStore root) gets every rendition as a
 * hard link to a pool image; without it only the rows are written. Memory stays bounded by a few
 * typed arrays per post: every big table is streamed from a generator.
 */
export async function seedDatabase(
  database: Database,
  counts: SeedCounts,
  options: { filesRoot?: string; poolDir?: string; now?: number; log?: (s: string) => void } = {},
): Promise<SeedResult> {
  const began = Date.now()
  const log = (line: string) =>
    options.log?.(`${((Date.now() - began) / 1000).toFixed(1).padStart(6)} s  ${line}`)
  const random = prng(0x5eed)
  const now = options.now ?? Math.floor(Date.now() / DAY) * DAY
  const at = (ms: number) => toDbDateTime(new Date(ms))
  const { users, groupShakes, images, posts, likes, comments } = counts
  const hotFollowers = Math.min(counts.hotFollowers, users)
  const hotLikes = Math.min(counts.hotLikes, users, likes)
  const mysql = isMysql(database)
  // The hot account comes after the members and the groups: its user id is its shake id.
  const hotId = users + groupShakes + 1

  const existing = await database
    .selectFrom('user')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow()
  if (Number(existing.n) > 0) throw new Error('the database is not empty: seed a fresh one')

  const hashed = await hashPassword(SEED_PASSWORD)
  const poolSize = Math.min(240, images)
  const pool = options.poolDir
    ? await makeImagePool(options.poolDir, poolSize, prng(0x1a9e))
    : Array.from({ length: poolSize }, () => ({
        width: 480,
        height: 360,
        files: [
          { name: 'original', file: '', width: 480, height: 360, size: 40_000 },
          { name: 'small', file: '', width: 267, height: 200, size: 9_000 },
          { name: 'thumb', file: '', width: 100, height: 100, size: 3_000 },
        ],
      }))

  return database.connection().execute(async (db) => {
    if (mysql) {
      // Bulk load: the rows are consistent by construction.
      await sql`set foreign_key_checks = 0, unique_checks = 0`.execute(db)
    }
    const restoreIndexes = mysql ? await deferIndexes(db) : []
    const started = Date.now()
    const span = 2 * 365 * DAY
    const start = now - span

    // Users (id 1 is the reader) and their shakes (shake id = user id); the hot account last.
    log(`users: ${users} and ${HOT_ACCOUNT_NAME}`)
    const userCreated = (id: number) =>
      id === hotId ? start : start + ((id - 1) * span) / (users * 4)
    const userName = (id: number) =>
      id === 1 ? READER_NAME : id === hotId ? HOT_ACCOUNT_NAME : `user${id}`
    const memberIds = function* () {
      for (let id = 1; id <= users; id++) yield id
      yield hotId
    }
    await bulkInsert(
      db,
      'user',
      (function* () {
        for (const id of memberIds()) {
          const name = userName(id)
          const created = at(userCreated(id))
          yield {
            id,
            name,
            email: `${name}@example.com`,
            hashed_password: hashed,
            full_name: `${WORDS[id % WORDS.length]} ${WORDS[(id * 7) % WORDS.length]}`,
            email_confirmed: 1,
            created_at: created,
            updated_at: created,
          }
        }
      })(),
      8,
    )
    const userShake = (id: number): Row => ({
      id,
      user_id: id,
      type: 'user',
      name: userName(id),
      title: '',
      description: '',
      created_at: at(userCreated(id)),
      updated_at: at(userCreated(id)),
    })
    await bulkInsert(
      db,
      'shake',
      (function* () {
        for (let id = 1; id <= users; id++) yield userShake(id)
        for (let g = 1; g <= groupShakes; g++) {
          const owner = 2 + Math.floor(random() ** 2 * (users - 1))
          yield {
            id: users + g,
            user_id: Math.min(owner, users),
            type: 'group',
            name: `group${g}`,
            title: `${WORDS[g % WORDS.length]} ${WORDS[(g * 3) % WORDS.length]} club`,
            description: 'A seeded group shake.',
            created_at: at(start + (g * span) / (groupShakes * 2)),
            updated_at: at(start + (g * span) / (groupShakes * 2)),
          }
        }
        yield userShake(hotId)
      })(),
      8,
    )
    const shakeOwner = new Map<number, number>()
    // Group owners are their first members.
    const managers = new Set<string>()
    const managerRows: Row[] = []
    for (const row of await db
      .selectFrom('shake')
      .select(['id', 'user_id'])
      .where('type', '=', 'group')
      .execute()) {
      shakeOwner.set(row.id, row.user_id)
    }

    // Images: one sourcefile per distinct image, each with its renditions.
    log(`images: ${images}`)
    const sha1Of = (i: number) => createHash('sha1').update(`seed-image-${i}`).digest('hex')
    const imagePool = (i: number) => pool[i % pool.length] as PoolImage
    await bulkInsert(
      db,
      'sourcefile',
      (function* () {
        for (let i = 1; i <= images; i++) {
          const sha1 = sha1Of(i)
          const image = imagePool(i)
          const original = image.files[0] as PoolImage['files'][number]
          yield {
            id: i,
            sha1,
            format: 'jpeg',
            content_type: 'image/jpeg',
            width: original.width,
            height: original.height,
            upload_size: original.size,
            renditions: JSON.stringify(
              image.files.map((f) => ({
                name: f.name,
                key: `i/${sha1}/${f.name}.jpg`,
                width: f.width,
                height: f.height,
                size: f.size,
              })),
            ),
            created_at: at(start),
          }
        }
      })(),
      9,
    )
    if (options.filesRoot && options.poolDir) {
      log('image files')
      for (let i = 1; i <= images; i++) {
        const dir = path.join(options.filesRoot, 'i', sha1Of(i))
        await mkdir(dir, { recursive: true })
        for (const f of imagePool(i).files)
          await link(f.file, path.join(dir, `${f.name}.jpg`)).catch((error) => {
            if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
          })
      }
    }

    // Posts in time order: half originals (re-uploads share a sourcefile), half saves of
    // earlier originals. Posters follow a long tail: a few post a lot, most post little. One
    // post in `hotEvery` is an original of the hot account.
    log(`posts: ${posts}`)
    const owner = new Int32Array(posts + 1)
    const parentOf = new Int32Array(posts + 1)
    const sourceOf = new Int32Array(posts + 1)
    const shakeOf = new Int32Array(posts + 1)
    const likeCount = new Int32Array(posts + 1)
    const saveCount = new Int32Array(posts + 1)
    const originals: number[] = []
    const postTime = (id: number) => start + (id * span) / (posts + 1)
    const hotEvery = Math.max(2, Math.min(2000, Math.floor(posts / 10)))
    const newImage = () => (nextImage <= images ? nextImage++ : 1 + Math.floor(random() * images))
    let nextImage = 1
    let hotPost = 0
    for (let id = 1; id <= posts; id++) {
      if (id % hotEvery === 0) {
        owner[id] = hotId
        sourceOf[id] = newImage()
        shakeOf[id] = hotId
        originals.push(id)
        hotPost = id
        continue
      }
      const poster = 2 + Math.floor(random() ** 2.5 * (users - 1))
      const isSave = originals.length > 10 && random() < 0.5
      if (isSave) {
        // Recent originals get saved most.
        const parent = originals[
          originals.length - 1 - Math.floor(random() ** 3 * originals.length)
        ] as number
        if (owner[parent] === poster) {
          id--
          continue
        }
        owner[id] = poster
        parentOf[id] = parent
        sourceOf[id] = sourceOf[parent] as number
        shakeOf[id] = poster
        saveCount[parent] = (saveCount[parent] as number) + 1
      } else {
        owner[id] = poster
        sourceOf[id] = newImage()
        // One original in ten goes to a group shake, whose member the poster becomes.
        if (groupShakes > 0 && random() < 0.1) {
          const group = users + 1 + Math.floor(random() ** 1.5 * groupShakes)
          shakeOf[id] = group
          const key = `${group}:${poster}`
          if (!managers.has(key) && shakeOwner.get(group) !== poster) {
            managers.add(key)
            managerRows.push({ shake_id: group, user_id: poster, created_at: at(postTime(id)) })
          }
        } else shakeOf[id] = poster
        originals.push(id)
      }
    }
    for (const [group, user] of shakeOwner) {
      if (!managers.has(`${group}:${user}`)) {
        managers.add(`${group}:${user}`)
        managerRows.push({ shake_id: group, user_id: user, created_at: at(start) })
      }
    }
    await bulkInsert(db, 'shake_manager', managerRows, 3)

    // Likes, first counted per post: recent posts get more (the hot post gets exactly
    // hotLikes); a post never has more likers than members other than its owner. The rows
    // themselves are drawn later, post by post, from a PRNG of the post's own.
    log(`likes: ${likes}`)
    const likesOf = new Int32Array(posts + 1)
    const mostLikes = (post: number) => ((owner[post] as number) <= users ? users - 1 : users)
    const capacity = (() => {
      let total = 0
      for (let id = 1; id <= posts; id++) if (id !== hotPost) total += mostLikes(id)
      return total
    })()
    likesOf[hotPost] = hotPost ? hotLikes : 0
    for (
      let drawn = 0, wanted = Math.min(likes - (likesOf[hotPost] as number), capacity);
      drawn < wanted;
    ) {
      const post = posts - Math.floor(random() ** 2.2 * posts)
      if (post < 1 || post === hotPost || (likesOf[post] as number) >= mostLikes(post)) continue
      likesOf[post] = (likesOf[post] as number) + 1
      drawn++
    }
    let likeRows = 0
    for (let id = 1; id <= posts; id++) {
      const n = likesOf[id] as number
      likeRows += n
      likeCount[id] = (likeCount[id] as number) + n
      // A save's likes count for its original too.
      const parent = parentOf[id] as number
      if (parent) likeCount[parent] = (likeCount[parent] as number) + n
    }

    await bulkInsert(
      db,
      'sharedfile',
      (function* () {
        for (let id = 1; id <= posts; id++) {
          const source = sourceOf[id] as number
          const image = imagePool(source).files[0] as PoolImage['files'][number]
          const parent = parentOf[id] || null
          const title = random() < 0.7 ? `${WORDS[id % WORDS.length]} ${id}` : ''
          yield {
            id,
            user_id: owner[id] as number,
            sourcefile_id: source,
            title,
            description:
              random() < 0.5 ? `A ${WORDS[(id * 5) % WORDS.length]} & "something" <here>` : '',
            alt_text: '',
            content_type: 'image/jpeg',
            size: image.size,
            parent_id: parent,
            original_id: parent,
            like_count: likeCount[id] as number,
            save_count: saveCount[id] as number,
            view_count: Math.floor(random() * 500),
            created_at: at(postTime(id)),
            updated_at: at(postTime(id)),
          }
        }
      })(),
      15,
    )
    log('placements')
    await bulkInsert(
      db,
      'shakesharedfile',
      (function* () {
        for (let id = 1; id <= posts; id++)
          yield { shake_id: shakeOf[id] as number, sharedfile_id: id, created_at: at(postTime(id)) }
      })(),
      3,
    )
    log(`favorites: ${likeRows}`)
    await bulkInsert(
      db,
      'favorite',
      (function* () {
        for (let id = 1; id <= posts; id++) {
          const n = likesOf[id] as number
          if (n === 0) continue
          const draw = prng(0xf00d ^ Math.imul(id, 0x9e3779b1))
          const posted = postTime(id)
          for (const user of likersOf(n, owner[id] as number, users, draw))
            yield {
              user_id: user,
              sharedfile_id: id,
              created_at: at(posted + draw() * (now - posted)),
            }
        }
      })(),
      3,
    )
    await bulkInsert(
      db,
      'magicfile',
      (function* () {
        for (let id = 1; id <= posts; id++)
          if ((likeCount[id] as number) >= MAGIC_THRESHOLD)
            yield { sharedfile_id: id, created_at: at(postTime(id)) }
      })(),
      2,
    )

    log(`comments: ${comments}`)
    await bulkInsert(
      db,
      'comment',
      (function* () {
        for (let i = 0; i < comments; i++) {
          const post = Math.max(1, posts - Math.floor(random() ** 2.2 * posts))
          const user = 1 + Math.floor(random() ** 2 * users)
          const posted = postTime(post)
          const when = at(posted + random() * (now - posted))
          const words = Array.from(
            { length: 3 + Math.floor(random() * 12) },
            () => WORDS[Math.floor(random() * WORDS.length)],
          )
          yield {
            user_id: user,
            sharedfile_id: post,
            body: `${words.join(' ')} <b>&</b>`,
            created_at: when,
            updated_at: when,
          }
        }
      })(),
      5,
    )

    // Follows: most people follow a few shakes, some follow hundreds; popular posters and
    // groups draw most followers; the first hotFollowers members follow the hot account. The
    // reader follows exactly READER_FOLLOWS shakes (the hot account among them).
    log('follows')
    const totalShakes = users + groupShakes
    const readerShakes = new Set<number>()
    const subscriptions = await bulkInsert(
      db,
      'subscription',
      (function* () {
        const follow = (user: number, shake: number): Row => {
          if (user === 1) readerShakes.add(shake)
          return { user_id: user, shake_id: shake, created_at: at(userCreated(user)) }
        }
        const readerFollows = Math.min(READER_FOLLOWS, totalShakes)
        const followsHot = hotFollowers >= 1
        if (followsHot) yield follow(1, hotId)
        const others = readerFollows - (followsHot ? 1 : 0)
        const groupsForReader = Math.min(groupShakes, Math.floor(others / 5))
        for (let g = 1; g <= groupsForReader; g++) yield follow(1, users + g)
        for (let u = 2; u <= Math.min(users, others - groupsForReader + 1); u++) yield follow(1, u)
        for (let user = 2; user <= users; user++) {
          if (user <= hotFollowers) yield follow(user, hotId)
          const many = Math.min(300, Math.floor(2 * random() ** -1.2))
          const seen = new Set<number>([user])
          for (let k = 0; k < many; k++) {
            const roll = random()
            const shake =
              roll < 0.15 && groupShakes > 0
                ? users + 1 + Math.floor(random() ** 1.5 * groupShakes)
                : 2 + Math.floor(random() ** 2.5 * (users - 1))
            if (seen.has(shake)) continue
            seen.add(shake)
            yield follow(user, shake)
          }
        }
      })(),
      3,
    )
    log(`subscriptions: ${subscriptions}`)

    // The reader's timeline, as the fan-out job would have written it: every post of the
    // shakes followed, each image once.
    const seenImages = new Set<number>()
    const timelineRows = await bulkInsert(
      db,
      'post',
      (function* () {
        for (let id = 1; id <= posts; id++) {
          if (!readerShakes.has(shakeOf[id] as number)) continue
          const source = sourceOf[id] as number
          if (seenImages.has(source)) continue
          seenImages.add(source)
          yield {
            user_id: 1,
            sharedfile_id: id,
            sourcefile_id: source,
            shake_id: shakeOf[id] as number,
            created_at: at(postTime(id)),
          }
        }
      })(),
      5,
    )
    log(`timeline: ${timelineRows}`)

    // Before post_word's indexes are built again: one sorted build instead of millions of inserts.
    log('post words')
    await refillPostWords(db, postWords)
    log(`indexes: ${restoreIndexes.length} statements`)
    for (const statement of restoreIndexes) await sql.raw(statement).execute(db)
    // The rows went in around the writes that keep counts (followers, comments, name words).
    log('kept values')
    await refillKeptValues(db, searchWords)
    log('statistics')
    if (mysql) await sql`set foreign_key_checks = 1, unique_checks = 1`.execute(db)
    // Fresh statistics, so the planner knows the tables are big.
    if (mysql)
      await sql`analyze table user, shake, sourcefile, sharedfile, shakesharedfile, favorite, comment, subscription, post, post_word`.execute(
        db,
      )
    else await sql`analyze`.execute(db)

    let busiest = 2
    const postsOf = new Int32Array(users + 1)
    for (let id = 1; id <= posts; id++) {
      const poster = owner[id] as number
      if (poster <= users) postsOf[poster] = (postsOf[poster] as number) + 1
    }
    for (let u = 2; u <= users; u++)
      if ((postsOf[u] as number) > (postsOf[busiest] as number)) busiest = u
    // The busiest recent original of an ordinary member (the hot post has a scenario of its own),
    // among the posts 1 to 2% of the way back: the same age at every scale, so its page holds
    // about as much at 1× as at 10× (the very newest posts draw ever more comments as the data
    // grows). The most liked, the oldest of equals.
    const from = Math.floor(posts * 0.98)
    const to = Math.floor(posts * 0.99)
    const ordinary = originals.filter((id) => owner[id] !== hotId)
    const window = ordinary.filter((id) => id >= from && id < to)
    const recent = window.length > 0 ? window : ordinary.slice(-2000)
    let busyPost = (recent[0] ?? originals.at(-1)) as number
    for (const id of recent)
      if ((likeCount[id] as number) > (likeCount[busyPost] as number)) busyPost = id
    log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`)
    return {
      counts,
      readerName: READER_NAME,
      busiestUserName: `user${busiest}`,
      busyPostId: busyPost,
      hotAccountName: HOT_ACCOUNT_NAME,
      hotAccountId: hotId,
      hotPostId: hotPost,
      likes: likeRows,
      timelineRows,
      subscriptions,
    }
  })
}

async function main() {
  const { values } = parseArgs({ options: { scale: { type: 'string', default: '1' } } })
  // The seed needs only the database and the data folder; production's other settings may be
  // absent here.
  const config = loadConfig(
    { SESSION_SECRET: 'the-seed-never-uses-the-session-secret', ...process.env },
    { dotenvFile: path.join(projectRoot, '.env') },
  )
  const database = openDatabase(config.database)
  try {
    await migrateToLatest(database)
    const filesRoot = path.join(config.dataDir, 'files')
    const result = await seedDatabase(database, scaled(Number(values.scale)), {
      filesRoot: config.s3 ? undefined : filesRoot,
      poolDir: path.join(config.dataDir, 'seed-pool'),
      log: (line) => console.log(`seed: ${line}`),
    })
    console.log(JSON.stringify(result, null, 2))
  } finally {
    await database.destroy()
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main()
