// Production files: any S3-compatible store. Browsers never talk to the bucket: nginx fetches
// a short-lived presigned URL when the app answers with X-Accel-Redirect.
import { createReadStream, createWriteStream } from 'node:fs'
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3'
import { Upload } from '@aws-sdk/lib-storage'
import { getSignedUrl } from '@aws-sdk/s3-request-presigner'
import type { S3Config } from '../config.js'
import { assertSafeKey, type S3FileStore } from './file-store.js'

export class S3Store implements S3FileStore {
  readonly kind = 's3'
  readonly client: S3Client

  constructor(readonly config: S3Config) {
    this.client = new S3Client({
      region: config.region,
      ...(config.endpoint ? { endpoint: config.endpoint } : {}),
      forcePathStyle: config.forcePathStyle,
      ...(config.accessKeyId && config.secretAccessKey
        ? {
            credentials: {
              accessKeyId: config.accessKeyId,
              secretAccessKey: config.secretAccessKey,
            },
          }
        : {}),
      // S3-compatible servers often lack the newer default checksums.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    })
  }

  async put(key: string, file: string, contentType: string): Promise<void> {
    assertSafeKey(key)
    const upload = new Upload({
      client: this.client,
      params: {
        Bucket: this.config.bucket,
        Key: key,
        Body: createReadStream(file),
        ContentType: contentType,
        CacheControl: 'public, max-age=31536000, immutable',
      },
      partSize: 8 * 1024 * 1024,
      queueSize: 2,
    })
    await upload.done()
  }

  async download(key: string, file: string): Promise<void> {
    assertSafeKey(key)
    const object = await this.client.send(
      new GetObjectCommand({ Bucket: this.config.bucket, Key: key }),
    )
    if (!object.Body) throw new Error(`no body for ${key}`)
    await pipeline(object.Body as Readable, createWriteStream(file, { mode: 0o600 }))
  }

  async exists(key: string): Promise<boolean> {
    assertSafeKey(key)
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.config.bucket, Key: key }))
      return true
    } catch (error) {
      if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404)
        return false
      throw error
    }
  }

  async read(key: string): Promise<Readable> {
    assertSafeKey(key)
    const object = await this.client.send(
      new GetObjectCommand({ Bucket: this.config.bucket, Key: key }),
    )
    // In Node the SDK's body is a Readable (IncomingMessage).
    return object.Body as Readable
  }

  async ping(): Promise<void> {
    await this.client.send(new HeadBucketCommand({ Bucket: this.config.bucket }))
  }

  async delete(keys: readonly string[]): Promise<void> {
    for (const key of keys) assertSafeKey(key)
    // One request per key: DeleteObjects needs checksums that S3-compatible servers vary on.
    await Promise.all(
      keys.map((Key) =>
        this.client.send(new DeleteObjectCommand({ Bucket: this.config.bucket, Key })),
      ),
    )
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = []
    let token: string | undefined
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.config.bucket,
          Prefix: prefix,
          ...(token ? { ContinuationToken: token } : {}),
        }),
      )
      for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key)
      token = page.IsTruncated ? page.NextContinuationToken : undefined
    } while (token)
    return keys.sort()
  }

  /** A GET URL valid for a few minutes, for nginx to fetch on the browser's behalf. */
  presignedGetUrl(key: string, expiresInSeconds = 300): Promise<string> {
    assertSafeKey(key)
    return getSignedUrl(
      this.client,
      new GetObjectCommand({ Bucket: this.config.bucket, Key: key }),
      {
        expiresIn: expiresInSeconds,
      },
    )
  }
}
