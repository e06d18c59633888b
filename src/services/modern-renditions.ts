// The AVIF and WebP renditions of still images, made after the answer. An upload stores its
// fallbacks (JPEG, or PNG for line art) at every responsive width in the request, and its post
// queues `make-renditions` (media queue): AVIF encoding costs seconds for a large photo, far
// more than the rest of the upload. Images stored before the responsive widths existed get
// theirs from `backfill-renditions`, a scheduled walk over every sourcefile in id order that
// makes a bounded number of images per run and keeps its place in `maintenance_cursor`.
// Nothing is ever made at request time: pages offer a format once its files are stored.
import { inTransaction } from '../db/transaction.js'
import type { JobContext } from '../jobs/job-context.js'
import type { JobPayloads } from '../jobs/job-names.js'
import {
  type FallbackFormat,
  isStill,
  type ModernFormat,
  type ModernRequest,
  originalInSrcset,
  probeImage,
  renderModernFormats,
  renditionContentTypes,
  responsiveWidths,
  sniffImageFormat,
  widthName,
} from '../media/image-pipeline.js'
import { readCursor, saveCursor } from '../repositories/maintenance-cursors.js'
import {
  addRenditions,
  findSourcefileById,
  type Rendition,
  type Sourcefile,
  stillSourcefilesAfter,
} from '../repositories/sourcefiles.js'
import { withStoredFileCopy } from './stored-file-copy.js'

const CURSOR = 'renditions-backfill'
const MODERN: readonly ModernFormat[] = ['avif', 'webp']

/** The format a rendition is stored in (older renditions are in the image's own format). */
export const formatOf = (r: Rendition, sourcefile: Pick<Sourcefile, 'format'>) =>
  r.format ?? sourcefile.format

/**
 * What a still image still lacks: responsive fallbacks (images older than the widths) and
 * AVIF/WebP copies of every srcset width; nothing when it is complete or not a still image.
 */
export function modernRequestFor(
  sourcefile: Pick<Sourcefile, 'format' | 'frames' | 'width' | 'renditions'>,
): ModernRequest | undefined {
  if (!isStill(sourcefile)) return undefined
  const has = (name: string, format?: string) =>
    sourcefile.renditions.some(
      (r) => r.name === name && (format === undefined || formatOf(r, sourcefile) === format),
    )
  const widths = responsiveWidths(sourcefile.width)
  const fallbackWidths = widths.filter((w) => !has(widthName(w)))
  // 0 stands for the original's own width, a candidate when it is narrower than the largest.
  const srcsetWidths = [...widths, ...(originalInSrcset(sourcefile.width) ? [0] : [])]
  const modern = srcsetWidths
    .map((width) => ({
      width,
      formats: MODERN.filter(
        (f) =>
          !has(width === 0 ? 'full' : widthName(width), f) &&
          // A transparent WebP upload's fallback is WebP already.
          !has(width === 0 ? 'original' : widthName(width), f),
      ),
    }))
    .filter((m) => m.formats.length > 0)
  if (fallbackWidths.length === 0 && modern.length === 0) return undefined
  // The fallback format chosen at upload, when the renditions say it (older ones do not).
  const chosen = sourcefile.renditions.find(
    (r) => /^w\d+$/.test(r.name) && (r.format === 'jpeg' || r.format === 'png'),
  )
  return {
    fallbackWidths,
    modern,
    ...(chosen?.format ? { fallback: chosen.format as FallbackFormat } : {}),
  }
}

/**
 * Makes and stores what the image lacks and adds it to its renditions. Keys come from the
 * content hash, so a second run writes the same files again, harmlessly. An image taken down
 * meanwhile keeps nothing: the files just stored are removed.
 */
export async function completeRenditions(ctx: JobContext, sourcefile: Sourcefile): Promise<number> {
  const request = modernRequestFor(sourcefile)
  const original = sourcefile.renditions.find((r) => r.name === 'original')
  if (!request || !original) return 0
  return withStoredFileCopy(
    ctx,
    original.key,
    { prefix: 'modern-', fileName: 'source' },
    async (file, workDir) => {
      // Our own encoding, but read with the same checks as an upload all the same.
      const format = await sniffImageFormat(file)
      const info = await probeImage(file, format, ctx.config.images)
      const rendered = await renderModernFormats(file, info, workDir, request)
      const added: Rendition[] = []
      for (const made of rendered) {
        const key = `i/${sourcefile.sha1}/${made.name}.${made.extension}`
        await ctx.store.put(key, made.file, renditionContentTypes[made.format])
        added.push({
          name: made.name,
          key,
          width: made.width,
          height: made.height,
          size: made.size,
          format: made.format,
        })
      }
      const kept = await inTransaction(ctx.db, (trx) => addRenditions(trx, sourcefile.id, added))
      if (!kept) {
        await ctx.store.delete(added.map((r) => r.key))
        return 0
      }
      return added.length
    },
  )
}

/** Job: the modern formats of one image (queued with its first post). */
export async function makeRenditions(
  ctx: JobContext,
  payload: JobPayloads['make-renditions'],
): Promise<void> {
  const sourcefile = await findSourcefileById(ctx.db, payload.sourcefileId)
  if (!sourcefile) return
  const files = await completeRenditions(ctx, sourcefile)
  if (files > 0) ctx.log.info({ sourcefileId: sourcefile.id, files }, 'made modern renditions')
}

export interface BackfillLimits {
  /** Images completed per run at most: the rate is this per scheduled interval. */
  perRun: number
  /** Sourcefiles looked at per run at most (most are complete once the backfill is done). */
  scanPerRun: number
  pageSize: number
}

/**
 * One run of the backfill: from where the last run stopped, the next images that lack
 * renditions are completed, one at a time, the place saved after each; at the end of the
 * table the walk starts again from the first (an image whose job failed is caught there).
 * An image that cannot be read is logged and passed over, so it never holds up the walk.
 */
export async function backfillRenditions(
  ctx: JobContext,
  limits: BackfillLimits,
): Promise<{ completed: number; scanned: number; failed: number }> {
  const total = { completed: 0, scanned: 0, failed: 0 }
  let position = await readCursor(ctx.db, CURSOR)
  while (total.completed < limits.perRun && total.scanned < limits.scanPerRun) {
    const page = await stillSourcefilesAfter(
      ctx.db,
      position,
      Math.min(limits.pageSize, limits.scanPerRun - total.scanned),
    )
    if (page.length === 0) {
      await saveCursor(ctx.db, CURSOR, 0)
      break
    }
    for (const sourcefile of page) {
      if (total.completed >= limits.perRun) break
      total.scanned += 1
      position = sourcefile.id
      if (!modernRequestFor(sourcefile)) continue
      try {
        if ((await completeRenditions(ctx, sourcefile)) > 0) total.completed += 1
      } catch (error) {
        total.failed += 1
        ctx.log.warn(
          { err: error, sourcefileId: sourcefile.id },
          'backfill could not make renditions',
        )
      }
      await saveCursor(ctx.db, CURSOR, position)
    }
    await saveCursor(ctx.db, CURSOR, position)
  }
  return total
}
