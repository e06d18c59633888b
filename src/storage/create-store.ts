import path from 'node:path'
import type { Config } from '../config.js'
import type { FileStore } from './file-store.js'
import { LocalStore } from './local-store.js'
import { S3Store } from './s3-store.js'

/** S3 when S3_BUCKET is set, otherwise a folder under DATA_DIR. */
export function createFileStore(config: Config): LocalStore | S3Store {
  return config.s3 ? new S3Store(config.s3) : new LocalStore(path.join(config.dataDir, 'files'))
}

export type { FileStore }
