// What the raw-file scenarios serve: two JPEGs (about 136 KB and 2 MB) posted as seeded posts,
// their bytes placed where each path reads them: the app's local files (nginx's /_local/ alias
// and the app streaming), a folder nginx serves statically, and a bucket folder for the S3
// stand-in.
import { createHash } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import sharp from 'sharp'
import type { Database } from '../../src/db/database.js'
import { toDbDateTime } from '../../src/db/dialect.js'
import { shareKey } from '../../src/services/share-keys.js'

export interface RawFixture {
  name: string
  bytes: number
  /** The share key (/r/KEY). */
  key: string
  /** Where the bytes are stored (the store's key). */
  storageKey: string
}

/** A noisy JPEG of the given side, so it compresses like a photo. */
function photo(width: number, height: number, quality: number): Promise<Buffer> {
  return sharp({
    create: {
      width,
      height,
      channels: 3,
      background: '#777',
      noise: { type: 'gaussian', mean: 128, sigma: 40 },
    },
  })
    .jpeg({ quality })
    .toBuffer()
}

export async function rawFixtures(
  db: Database,
  dirs: { files: string; staticRoot: string; bucket: string },
  ownerId: number,
): Promise<RawFixture[]> {
  const made: RawFixture[] = []
  for (const [name, bytes] of [
    ['136k', await photo(560, 400, 90)],
    ['2m', await photo(2300, 1700, 88)],
  ] as const) {
    const sha1 = createHash('sha1').update(bytes).digest('hex')
    const key = `i/${sha1}/original.jpg`
    for (const file of [
      path.join(dirs.files, key),
      path.join(dirs.bucket, key),
      path.join(dirs.staticRoot, `${name}.jpg`),
    ]) {
      await mkdir(path.dirname(file), { recursive: true, mode: 0o755 })
      await writeFile(file, bytes, { mode: 0o644 })
    }
    const meta = await sharp(bytes).metadata()
    const now = toDbDateTime(new Date())
    const source = await db
      .insertInto('sourcefile')
      .values({
        sha1,
        format: 'jpeg',
        content_type: 'image/jpeg',
        width: meta.width as number,
        height: meta.height as number,
        upload_size: bytes.length,
        renditions: JSON.stringify([
          { name: 'original', key, width: meta.width, height: meta.height, size: bytes.length },
        ]),
        created_at: now,
      })
      .executeTakeFirstOrThrow()
    const post = await db
      .insertInto('sharedfile')
      .values({
        user_id: ownerId,
        sourcefile_id: Number(source.insertId),
        title: `bench ${name}`,
        description: '',
        alt_text: '',
        content_type: 'image/jpeg',
        size: bytes.length,
        parent_id: null,
        original_id: null,
        created_at: now,
        updated_at: now,
      })
      .executeTakeFirstOrThrow()
    made.push({
      name,
      bytes: bytes.length,
      key: shareKey(Number(post.insertId)),
      storageKey: key,
    })
  }
  return made
}
