// A media job's private copy of a stored file: fetched from the store (local folder or S3) into
// a fresh folder under the upload folder, worked on there, and removed with the folder whatever
// the work's outcome.
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import path from 'node:path'
import type { JobContext } from '../jobs/job-context.js'

/**
 * Runs `work` on a copy of the stored file at `key`, named `fileName` in its own folder (whose
 * name starts with `prefix`); the folder is removed afterwards, the work's files with it.
 */
export async function withStoredFileCopy<T>(
  ctx: Pick<JobContext, 'store' | 'config'>,
  key: string,
  names: { prefix: string; fileName: string },
  work: (file: string, workDir: string) => Promise<T>,
): Promise<T> {
  await mkdir(ctx.config.tmpDir, { recursive: true, mode: 0o700 })
  const workDir = await mkdtemp(path.join(ctx.config.tmpDir, names.prefix))
  try {
    const file = path.join(workDir, names.fileName)
    await ctx.store.download(key, file)
    return await work(file, workDir)
  } finally {
    await rm(workDir, { recursive: true, force: true })
  }
}
