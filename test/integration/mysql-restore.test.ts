// Production's database backup as docs/operations.md describes it: `mariadb-dump
// --single-transaction` of a database while the site writes to it, loaded into another database
// with the `mariadb` client. Every row acknowledged before the dump began is there, the schema
// is the same, and the app starts on the copy.
import assert from 'node:assert/strict'
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { after, describe, it } from 'node:test'
import { createConnection } from 'mysql2/promise'
import { signIn, signUp } from '../helpers/accounts.js'
import { buildSite, freshEnvironment, onMysql, testDatabaseUrl } from '../helpers/app.js'

const clientsInstalled =
  spawnSync('sh', ['-c', 'command -v mariadb-dump && command -v mariadb'], { stdio: 'ignore' })
    .status === 0
const skip = !onMysql
  ? 'MySQL only (TEST_DATABASE_URL=mysql://...)'
  : !clientsInstalled && 'the mariadb and mariadb-dump clients are not installed'

/** Connection arguments for the MariaDB clients; the password goes in the environment. */
function clientArgs(url: URL): { args: string[]; env: Record<string, string> } {
  return {
    args: [
      `--host=${url.hostname}`,
      `--port=${url.port || '3306'}`,
      `--user=${decodeURIComponent(url.username)}`,
    ],
    env: {
      PATH: process.env.PATH ?? '',
      ...(url.password ? { MYSQL_PWD: decodeURIComponent(url.password) } : {}),
    },
  }
}

async function exitOf(child: ChildProcess): Promise<{ code: number | null; stderr: string }> {
  let stderr = ''
  child.stderr?.on('data', (d) => {
    stderr += d
  })
  const [code] = await once(child, 'close')
  return { code, stderr }
}

/** The shape of a schema: columns, indexes and triggers, as information_schema describes them. */
async function schemaOf(serverUrl: string, database: string): Promise<unknown[]> {
  const connection = await createConnection({ uri: serverUrl })
  try {
    const shapes: unknown[] = []
    for (const query of [
      `select table_name, column_name, ordinal_position, column_type, is_nullable, column_default,
              extra, collation_name
         from information_schema.columns where table_schema = ? order by 1, 3`,
      `select table_name, index_name, seq_in_index, column_name, non_unique, index_type
         from information_schema.statistics where table_schema = ? order by 1, 2, 3`,
      `select trigger_name, event_object_table, action_timing, event_manipulation, action_statement
         from information_schema.triggers where trigger_schema = ? order by 1`,
    ]) {
      const [rows] = await connection.query(query, [database])
      shapes.push(rows)
    }
    return shapes
  } finally {
    await connection.end()
  }
}

describe('MySQL dump and restore under writes', { skip }, () => {
  const cleanups: Array<() => Promise<void>> = []
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup()
  })

  it('restores every row acknowledged before the dump began, with the same schema', async () => {
    const fresh = await freshEnvironment()
    cleanups.push(fresh.drop)
    const env: Record<string, string> = { ...fresh.env, RATE_LIMIT_CREATE_ACCOUNT: '100000/60' }
    const source = new URL(env.DATABASE_URL as string)
    const sourceName = source.pathname.slice(1)
    const targetName = `${sourceName}_restored`
    const target = new URL(source)
    target.pathname = `/${targetName}`
    const server = testDatabaseUrl as string
    const work = await mkdtemp(path.join(os.tmpdir(), 'mlkshk-dump-'))
    cleanups.push(() => rm(work, { recursive: true, force: true }))
    cleanups.push(async () => {
      const connection = await createConnection({ uri: server })
      await connection.query(`drop database if exists \`${targetName}\``)
      await connection.end()
    })

    // Bulk, so the dump takes long enough for sign-ups to commit while it reads.
    const seed = await createConnection({ uri: env.DATABASE_URL as string })
    await seed.query(
      `insert into tag (name, created_at) select concat('bulk', seq), now() from seq_1_to_300000`,
    )
    await seed.end()
    const app = await buildSite(env)
    cleanups.push(() => app.close())
    const signedUp: Array<{ name: string; at: number }> = []
    let writing = true
    // Three writers, so sign-ups are committing whenever the dump takes its snapshot.
    const writers = [0, 1, 2].map(async (writerId) => {
      for (let i = 0; writing; i++) {
        const name = `writer${writerId}x${i}`
        await signUp(app, name)
        signedUp.push({ name, at: Date.now() })
      }
    })
    const writer = Promise.all(writers)
    const waitFor = async (ready: () => boolean) => {
      while (!ready()) {
        await Promise.race([writer, new Promise((resolve) => setTimeout(resolve, 50))])
      }
    }

    await waitFor(() => signedUp.length >= 5)
    const client = clientArgs(source)
    const dumpFile = path.join(work, 'dump.sql')
    const dumpStarted = Date.now()
    const dump = spawn(
      'mariadb-dump',
      [...client.args, '--single-transaction', '--routines', '--triggers', sourceName],
      { env: client.env, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    dump.stdout?.pipe(createWriteStream(dumpFile))
    const dumped = await exitOf(dump)
    const dumpEnded = Date.now()
    const countAtEnd = signedUp.length
    await waitFor(() => signedUp.length >= countAtEnd + 2)
    writing = false
    await writer
    assert.equal(dumped.code, 0, dumped.stderr)
    const during = signedUp.filter((s) => s.at > dumpStarted && s.at < dumpEnded).length

    const connection = await createConnection({ uri: server })
    await connection.query(
      `create database \`${targetName}\` character set utf8mb4 collate utf8mb4_unicode_ci`,
    )
    await connection.end()
    const loadStarted = Date.now()
    const load = spawn('mariadb', [...client.args, targetName], {
      env: client.env,
      stdio: ['pipe', 'ignore', 'pipe'],
    })
    createReadStream(dumpFile).pipe(load.stdin as NodeJS.WritableStream)
    const loaded = await exitOf(load)
    assert.equal(loaded.code, 0, loaded.stderr)
    console.log(
      `# mariadb-dump: ${dumpEnded - dumpStarted} ms (${(await stat(dumpFile)).size} bytes), ${during} sign-ups acknowledged while it ran; load: ${Date.now() - loadStarted} ms`,
    )

    const copy = await buildSite({ ...env, DATABASE_URL: target.toString() })
    cleanups.push(() => copy.close())
    const names = new Set(
      (await copy.db.selectFrom('user').select('name').execute()).map((row) => row.name),
    )
    const before = signedUp.filter((s) => s.at < dumpStarted)
    const afterwards = signedUp.filter((s) => s.at > dumpEnded)
    assert.ok(before.length >= 5 && afterwards.length >= 2)
    for (const { name } of before)
      assert.ok(names.has(name), `${name}, acknowledged before the dump`)
    for (const { name } of afterwards) assert.ok(!names.has(name), `${name} came after the dump`)
    // Each account's personal shake came with it, in the same transaction.
    const shakes = await copy.db
      .selectFrom('shake')
      .innerJoin('user', 'user.id', 'shake.user_id')
      .select('user.name')
      .where('shake.type', '=', 'user')
      .execute()
    assert.equal(shakes.length, names.size, 'one personal shake per account')
    const tags = await copy.db
      .selectFrom('tag')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .executeTakeFirstOrThrow()
    assert.equal(Number(tags.count), 300_000)

    assert.deepEqual(await schemaOf(server, targetName), await schemaOf(server, sourceName))
    // The app took the copy as up to date (no pending migration) and serves it.
    const browser = await signIn(copy, before[0]?.name as string)
    assert.equal((await browser.get('/')).statusCode, 200)
  })
})
