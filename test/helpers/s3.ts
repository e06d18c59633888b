// A real S3-compatible server for tests: s3rver on a free loopback port, in a temporary folder.
// It can be stopped and started again on the same port and folder (the fault suite does).
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import S3rver from 's3rver'

export interface TestS3 {
  env: Record<string, string>
  endpoint: string
  bucket: string
  /** Stops answering (connections are refused) until start(); the files stay. */
  stop(): Promise<void>
  start(): Promise<void>
  /** Every key stored in the bucket. */
  keys(): Promise<string[]>
  close(): Promise<void>
}

export async function startS3(bucket = 'mlkshk-test'): Promise<TestS3> {
  const directory = await mkdtemp(path.join(os.tmpdir(), 'mlkshk-s3-'))
  let port = 0
  let server: S3rver | undefined
  const run = async () => {
    server = new S3rver({
      address: '127.0.0.1',
      port,
      silent: true,
      directory,
      configureBuckets: [{ name: bucket, configs: [] }],
    })
    port = ((await server.run()) as { port: number }).port
  }
  const stop = async () => {
    const http = (server as unknown as { httpServer?: import('node:http').Server } | undefined)
      ?.httpServer
    const closed = server?.close()
    // Keep-alive connections would hold close() open; a stopped server drops them as a dead one.
    http?.closeAllConnections()
    await closed
    server = undefined
  }
  await run()
  const endpoint = `http://127.0.0.1:${port}`
  return {
    endpoint,
    bucket,
    env: {
      S3_BUCKET: bucket,
      S3_ENDPOINT: endpoint,
      S3_REGION: 'us-east-1',
      S3_ACCESS_KEY_ID: 'S3RVER',
      S3_SECRET_ACCESS_KEY: 'S3RVER',
      S3_FORCE_PATH_STYLE: 'true',
    },
    stop,
    start: run,
    async keys() {
      // s3rver keeps each object as KEY._S3rver_object next to its metadata files.
      const root = path.join(directory, bucket)
      const files = await readdir(root, { recursive: true })
      return files
        .filter((file) => file.endsWith('._S3rver_object'))
        .map((file) => file.slice(0, -'._S3rver_object'.length).split(path.sep).join('/'))
        .sort()
    },
    async close() {
      await stop()
      await rm(directory, { recursive: true, force: true })
    },
  }
}
