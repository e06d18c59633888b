import path from 'node:path'
import type { Config } from '../config.js'
import type { FileStore } from './file-store.js'
import { LocalStore } from './local-store.js'

/**
 * S3 when S3_BUCKET is set, otherwise a folder under DATA_DIR. The AWS SDK is loaded only for
 * S3: it is several MB of modules a process on local files never uses.
 */
export async function createFileStore(config: Config): Promise<FileStore> {
  if (!config.s3) return new LocalStore(path.join(config.dataDir, 'files'))
  const { S3Store } = await import('./s3-store.js')
  return new S3Store(config.s3)
}

export type { FileStore }
