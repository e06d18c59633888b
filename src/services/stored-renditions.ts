// Puts an image's rendered files in the file store under one key prefix (`i/SHA1/`), noting
// each key before its put (a put that failed on our side may still have landed), and removes
// what a failed attempt stored.
import type { Database } from '../db/database.js'
import { isUniqueViolation } from '../db/dialect.js'
import { enqueue } from '../jobs/enqueue.js'
import type { JobContext } from '../jobs/job-context.js'
import type { JobPayloads, WorkSignal } from '../jobs/job-names.js'
import type { RenderedFile } from '../media/image-pipeline.js'
import {
  findSourcefileBySha1,
  insertSourcefile,
  type Rendition,
  type Sourcefile,
} from '../repositories/sourcefiles.js'
import type { FileStore } from '../storage/file-store.js'
import { ServiceError } from './errors.js'

/** The file store failed while an upload was stored: nothing was posted, and it says so. */
export class StoreUnavailableError extends ServiceError {
  override name = 'StoreUnavailableError'
  constructor(override readonly cause: unknown) {
    super(
      503,
      'Your image could not be stored just now, so nothing was posted. Please try again in a minute.',
    )
  }
}

export async function storeRenditions(
  store: FileStore,
  rendered: readonly RenderedFile[],
  prefix: string,
  storedKeys: string[],
): Promise<Rendition[]> {
  const renditions: Rendition[] = []
  for (const file of rendered) {
    const key = `${prefix}/${file.name}.${file.extension}`
    storedKeys.push(key)
    await store.put(key, file.file, file.contentType).catch((error: unknown) => {
      throw new StoreUnavailableError(error)
    })
    renditions.push({
      name: file.name,
      key,
      width: file.width,
      height: file.height,
      size: file.size,
      format: file.format,
    })
  }
  return renditions
}

/**
 * The sourcefile row for renditions just stored. When the same bytes (or video) were posted at
 * the same moment by someone else, theirs won and their files are ours too (the same keys): the
 * noted keys are forgotten, so nothing is removed, and their row is the answer if it `fits`.
 */
export async function insertSourcefileOnce(
  db: Database,
  values: Omit<Sourcefile, 'id'> & { uploadSize: number },
  storedKeys: string[],
  fits: (winner: Sourcefile) => boolean = () => true,
): Promise<Sourcefile> {
  try {
    return { id: await insertSourcefile(db, values), ...values }
  } catch (error) {
    if (!isUniqueViolation(error)) throw error
    storedKeys.length = 0
    const winner = await findSourcefileBySha1(db, values.sha1)
    if (!winner || !fits(winner)) throw error
    return winner
  }
}

/**
 * Removes what a failed attempt stored, unless a row for the same bytes (or URL) now owns those
 * keys. When the store or the database cannot do it now, the `remove-files` job does it later,
 * so no file is left without a post.
 */
export async function removeUnownedRenditions(
  db: Database,
  store: FileStore,
  work: WorkSignal,
  sha1: string,
  keys: string[],
): Promise<void> {
  try {
    await removeUnownedKeys(db, store, { sha1, keys })
  } catch {
    await enqueue(db, 'remove-files', { sha1, keys })
      .then(() => work.kick())
      .catch(() => {})
  }
}

async function removeUnownedKeys(
  db: Database,
  store: FileStore,
  files: JobPayloads['remove-files'],
): Promise<void> {
  if (await findSourcefileBySha1(db, files.sha1)) return
  await store.delete(files.keys)
}

/** Job: the files of a failed attempt that could not be removed at the time. */
export async function removeUnownedFiles(
  ctx: JobContext,
  payload: JobPayloads['remove-files'],
): Promise<void> {
  await removeUnownedKeys(ctx.db, ctx.store, payload)
}
