// Where post files live. Keys are made by the app from content hashes (never from user input),
// so they are safe as paths and as URLs.
import type { Readable } from 'node:stream'

/** What every store does, wherever the files are. */
interface StoredFiles {
  /** Stores a local file under the key. Storing the same key again replaces it. */
  put(key: string, file: string, contentType: string): Promise<void>
  exists(key: string): Promise<boolean>
  /** Copies the stored file to a local path (for jobs that work on the original). */
  download(key: string, file: string): Promise<void>
  /** The stored bytes as a stream (for building archives without holding files in memory). */
  read(key: string): Promise<Readable>
  delete(keys: readonly string[]): Promise<void>
  /** Every key that starts with the prefix (a folder such as `i/SHA1/`). */
  list(prefix: string): Promise<string[]>
  /** Throws when the store cannot be reached. */
  ping(): Promise<void>
}

/** Files in a folder: answered by sending the file (or by nginx, from the same folder). */
export interface LocalFileStore extends StoredFiles {
  readonly kind: 'local'
  readonly root: string
  /** The file's path under root; refuses an unsafe key. */
  pathOf(key: string): string
}

/** Files in an S3 bucket: answered by a presigned URL nginx (or the client) fetches. */
export interface S3FileStore extends StoredFiles {
  readonly kind: 's3'
  presignedGetUrl(key: string, expiresInSeconds?: number): Promise<string>
}

/**
 * The file store, whichever it is. Code that only stores and reads files uses the common
 * methods; serving a file differs by `kind`, which narrows it to the store that can.
 */
export type FileStore = LocalFileStore | S3FileStore

const keyPattern = /^[a-z0-9][a-z0-9_-]*(\/[a-z0-9][a-z0-9_.-]*)*$/

/** Refuses anything that is not a key this app would make. */
export function assertSafeKey(key: string): void {
  if (!keyPattern.test(key) || key.includes('..') || key.length > 200) {
    throw new Error(`unsafe storage key: ${JSON.stringify(key)}`)
  }
}
