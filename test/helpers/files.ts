// What a site has stored, and what a browser gets back for a raw file, in either storage mode.
import assert from 'node:assert/strict'
import { readdir } from 'node:fs/promises'
import path from 'node:path'
import { ListObjectsV2Command } from '@aws-sdk/client-s3'
import { S3Store } from '../../src/storage/s3-store.js'
import type { TestSite } from './app.js'

export type Site = TestSite & { s3?: { bucket: string } }

export async function listFiles(folder: string): Promise<string[]> {
  try {
    return (await readdir(folder, { recursive: true, withFileTypes: true }))
      .filter((entry) => entry.isFile())
      .map((entry) => path.join(entry.parentPath, entry.name))
  } catch {
    return []
  }
}

/** Every stored object key, whichever store the site uses. */
export async function storedKeys(site: Site): Promise<string[]> {
  const store = site.app.fileStore
  if (store.kind === 'local')
    return (await listFiles(store.root)).map((f) => path.relative(store.root, f))
  // Listed by the bucket's own client, not by the store's code under test.
  assert.ok(store instanceof S3Store)
  const listed = await store.client.send(new ListObjectsV2Command({ Bucket: store.config.bucket }))
  return (listed.Contents ?? []).map((o) => o.Key as string)
}

/** The bytes a browser gets for /r/KEY[/size], following nginx's part by hand in S3 mode. */
export async function rawBytes(site: Site, key: string, size = ''): Promise<Buffer> {
  return fetchStored(site, `/r/${key}${size ? `/${size}` : ''}`)
}

/** GETs a stored-file URL of the site and returns the bytes, doing nginx's part in S3 mode. */
export async function fetchStored(site: Site, url: string): Promise<Buffer> {
  const response = await site.app.inject({ url })
  assert.equal(response.statusCode, 200, url)
  if (site.app.fileStore.kind === 'local') return response.rawPayload
  assert.match(String(response.headers['x-accel-redirect']), /^\/_files\/[ai]\/[0-9a-f]+\//)
  const fetched = await fetch(String(response.headers['x-presigned-url']))
  assert.equal(fetched.status, 200)
  return Buffer.from(await fetched.arrayBuffer())
}
