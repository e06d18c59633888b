// Embedded backups with the real processes: `backup` runs while a live site takes posts and
// likes, `restore` brings the copy back into another data folder, and the site started there
// has everything that was acknowledged before the backup began. Then the refusals: a changed
// byte, a missing manifest or file, and a site that is still running, each leaving the data
// folder as it was.
import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { openDatabase } from '../../src/db/database.js'
import { projectRoot } from '../../src/paths.js'
import type { BackupManifest } from '../../src/services/backup-manifest.js'
import { SESSION_SECRET } from '../helpers/app.js'
import { type Finished, finish, listeningAddress } from '../helpers/child-output.js'
import { entryPoint } from '../helpers/entry-point.js'
import { HttpClient } from '../helpers/http-client.js'
import * as images from '../helpers/images.js'

function spawnEntry(script: string, args: string[], env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [entryPoint(script), ...args], {
    cwd: projectRoot,
    env: { PATH: process.env.PATH ?? '', TZ: process.env.TZ ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
}

function run(script: string, args: string[], env: Record<string, string>): Promise<Finished> {
  return finish(spawnEntry(script, args, env))
}

/** The web process on a data folder; resolves once it listens. */
async function startSite(env: Record<string, string>): Promise<{
  url: string
  stop(): Promise<void>
}> {
  const child = spawnEntry('server.ts', [], env)
  const exited = finish(child)
  const url = await listeningAddress(child)
  return {
    url,
    async stop() {
      child.kill('SIGTERM')
      const { code } = await exited
      assert.equal(code, 0, 'the site closed cleanly')
    },
  }
}

/** Every file under a folder with its SHA-256: "nothing changed" is this, before and after. */
async function fingerprint(dir: string): Promise<Record<string, string>> {
  const result: Record<string, string> = {}
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  for (const entry of entries) {
    const file = path.join(entry.parentPath, entry.name)
    const relative = path.relative(dir, file)
    result[relative] = entry.isFile()
      ? createHash('sha256')
          .update(await readFile(file))
          .digest('hex')
      : 'folder'
  }
  return result
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex')

describe('embedded backup and restore', () => {
  let root: string
  let backupDir: string
  let restoredData: string
  const siteEnv = (dataDir: string): Record<string, string> => ({
    NODE_ENV: 'test',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'info',
    SESSION_SECRET,
    BASE_URL: 'http://mlkshk.test',
    PORT: '0',
    HOST: '127.0.0.1',
    // The writers below post and like far faster than people do.
    RATE_LIMIT_UPLOAD: '100000/60',
    RATE_LIMIT_LIKE: '100000/60,100000/3600',
  })

  before(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'mlkshk-backup-'))
    restoredData = path.join(root, 'restored')
  })
  after(async () => {
    await rm(root, { recursive: true, force: true })
  })

  it('round trip under writes: what was acknowledged before the backup began comes back', async () => {
    const liveData = path.join(root, 'live')
    // Files nothing points at, so the file copy takes long enough for writes to land during it.
    for (let i = 0; i < 60; i++) {
      const file = path.join(liveData, 'files', 'z', 'filler', `${i}.bin`)
      await mkdir(path.dirname(file), { recursive: true })
      await writeFile(file, randomBytes(256 * 1024))
    }
    const live = await startSite(siteEnv(liveData))
    const alice = new HttpClient(live.url)
    const bob = new HttpClient(live.url)
    let bobSignedIn = false
    try {
      await alice.signUp('alice')
      await bob.signUp('bob')
      bobSignedIn = true

      // Every write is recorded with the moment its answer arrived.
      const posts: Array<{ key: string; title: string; at: number }> = []
      const likes: Array<{ key: string; at: number }> = []
      let writing = true
      const writer = (async () => {
        for (let i = 0; writing; i++) {
          const title = `Post number ${i}`
          const posted = await alice.upload(await images.jpeg(160 + i, 120), { title })
          assert.equal(posted.status, 302, posted.text.slice(0, 300))
          const key = (posted.location as string).slice('/p/'.length)
          posts.push({ key, title, at: Date.now() })
          await bob.request(`/p/${key}`)
          const liked = await bob.form(`/p/${key}/like`, {}, 'application/json')
          assert.equal(liked.status, 200, liked.text)
          assert.equal(JSON.parse(liked.text).liked, true)
          likes.push({ key, at: Date.now() })
        }
      })()
      const waitFor = async (ready: () => boolean) => {
        while (!ready()) {
          await Promise.race([writer, new Promise((resolve) => setTimeout(resolve, 50))])
        }
      }

      await waitFor(() => posts.length >= 5)
      // Counted, not compared by time: a write acknowledged in the same millisecond as the
      // backup's start or end was still acknowledged before it began, or after it ended.
      const postsAtStart = posts.length
      const likesAtStart = likes.length
      const backupStarted = Date.now()
      const backup = await run('backup.ts', [path.join(root, 'backups')], siteEnv(liveData))
      const backupEnded = Date.now()
      const postsAtEnd = posts.length
      await waitFor(() => posts.length >= postsAtEnd + 3)
      writing = false
      await writer

      assert.equal(backup.code, 0, backup.stderr)
      backupDir = /backup written to (.+)/.exec(backup.stdout)?.[1] as string
      const manifest = JSON.parse(
        await readFile(path.join(backupDir, 'manifest.json'), 'utf8'),
      ) as BackupManifest
      const snapshotAt = Date.parse(manifest.createdAt)
      const during = (at: number) => at > backupStarted && at < backupEnded
      const writesDuring = [...posts, ...likes].filter((w) => during(w.at)).length
      const writesDuringCopy = [...posts, ...likes].filter(
        (w) => w.at > snapshotAt && w.at < backupEnded,
      ).length
      console.log(
        `# backup: ${backup.ms} ms with the process start (${/ in ([\d.]+ s)/.exec(backup.stdout)?.[1]} its own work), ${manifest.files.length} files; ${writesDuring} writes acknowledged while it ran, ${writesDuringCopy} after its snapshot`,
      )
      assert.ok(writesDuring > 0, 'the site took writes while the backup ran')
      assert.deepEqual(manifest.missingFiles, [], 'every file the database names was copied')

      const before = posts.slice(0, postsAtStart)
      const likedBefore = likes.slice(0, likesAtStart)
      // The first post answered after the end may have been committed during the backup; the
      // next ones were sent after it was answered.
      const afterwards = posts.slice(postsAtEnd + 1)
      assert.ok(before.length >= 5 && likedBefore.length >= 4 && afterwards.length >= 2)
      const served = new Map<string, string>()
      for (const post of before) {
        const raw = await bob.request(`/r/${post.key}`)
        assert.equal(raw.status, 200)
        served.set(post.key, sha256(raw.body))
      }
      await live.stop()

      const restore = await run('restore.ts', [backupDir], siteEnv(restoredData))
      assert.equal(restore.code, 0, restore.stderr)
      console.log(
        `# restore: ${restore.ms} ms with the process start (${/ in ([\d.]+ s)/.exec(restore.stdout)?.[1]} its own work)`,
      )

      const restored = await startSite(siteEnv(restoredData))
      try {
        const visitor = new HttpClient(restored.url)
        for (const post of before) {
          const page = await visitor.request(`/p/${post.key}`)
          assert.equal(page.status, 200, `post ${post.key}, acknowledged before the backup`)
          assert.match(page.text, new RegExp(post.title))
          const raw = await visitor.request(`/r/${post.key}`)
          assert.equal(raw.status, 200, `the file of post ${post.key}`)
          assert.equal(sha256(raw.body), served.get(post.key), 'the same bytes as before')
        }
        for (const post of afterwards) {
          const page = await visitor.request(`/p/${post.key}`)
          assert.equal(page.status, 404, `post ${post.key} came after the backup: not in it`)
        }
        // Bob's session is a row of the database, so his cookie still signs him in.
        const bobAgain = new HttpClient(restored.url)
        for (const [name, value] of bob.cookies) bobAgain.cookies.set(name, value)
        assert.equal((await bobAgain.request('/tools/new-post')).status, 200, 'bob is signed in')
        const db = openDatabase({
          dialect: 'sqlite',
          file: path.join(restoredData, 'mlkshk.sqlite'),
        })
        try {
          const liked = await db
            .selectFrom('favorite as f')
            .innerJoin('user as u', 'u.id', 'f.user_id')
            .select('f.sharedfile_id')
            .where('u.name', '=', 'bob')
            .execute()
          const likedIds = new Set(liked.map((row) => row.sharedfile_id))
          for (const like of likedBefore) {
            assert.ok(likedIds.has(Number.parseInt(like.key, 36)), `bob's like of ${like.key}`)
          }
        } finally {
          await db.destroy()
        }
      } finally {
        await restored.stop()
      }
    } finally {
      if (!bobSignedIn) await live.stop().catch(() => {})
    }
  })

  it('refuses a corrupt or incomplete backup and changes nothing', async () => {
    assert.ok(backupDir, 'the round trip made a backup')
    const manifest = JSON.parse(
      await readFile(path.join(backupDir, 'manifest.json'), 'utf8'),
    ) as BackupManifest
    const stored = manifest.files.find((f) => f.key.startsWith('i/')) as { key: string }
    const flipByte = async (file: string) => {
      const bytes = await readFile(file)
      const at = Math.floor(bytes.length / 2)
      bytes[at] = (bytes[at] as number) ^ 0xff
      await writeFile(file, bytes)
    }
    const cases: Array<{ name: string; damage: (dir: string) => Promise<void>; says: RegExp }> = [
      {
        name: 'a byte changed in a stored file',
        damage: (dir) => flipByte(path.join(dir, 'files', stored.key)),
        says: new RegExp(`files/${stored.key} does not match its SHA-256`),
      },
      {
        name: 'a byte changed in the database copy',
        damage: (dir) => flipByte(path.join(dir, 'mlkshk.sqlite')),
        says: /mlkshk\.sqlite does not match its SHA-256/,
      },
      {
        name: 'no manifest (a backup that did not finish)',
        damage: (dir) => rm(path.join(dir, 'manifest.json')),
        says: /has no manifest\.json/,
      },
      {
        name: 'a listed file missing',
        damage: (dir) => rm(path.join(dir, 'files', stored.key)),
        says: new RegExp(`files/${stored.key} is missing`),
      },
    ]
    const before = await fingerprint(restoredData)
    for (const { name, damage, says } of cases) {
      const copy = path.join(root, `damaged-${cases.findIndex((c) => c.name === name)}`)
      await cp(backupDir, copy, { recursive: true })
      await damage(copy)
      const restore = await run('restore.ts', [copy], siteEnv(restoredData))
      assert.equal(restore.code, 1, `${name}: refused`)
      assert.match(restore.stderr, says, name)
      assert.match(restore.stderr, /nothing was restored/, name)
      assert.deepEqual(await fingerprint(restoredData), before, `${name}: nothing changed`)
    }
  })

  it('refuses while the site runs, then restores once it is stopped, keeping the previous data aside', async () => {
    assert.ok(backupDir, 'the round trip made a backup')
    const database = path.join(restoredData, 'mlkshk.sqlite')
    const site = await startSite(siteEnv(restoredData))
    const listing = async () => (await readdir(restoredData, { recursive: true })).sort()
    let stopped = false
    try {
      const names = await listing()
      const inode = (await stat(database)).ino
      const refused = await run('restore.ts', [backupDir], siteEnv(restoredData))
      assert.equal(refused.code, 1, 'refused while the site runs')
      assert.match(refused.stderr, /the site is running: another process has .*mlkshk\.sqlite open/)
      assert.deepEqual(await listing(), names, 'nothing staged, nothing moved aside')
      assert.equal((await stat(database)).ino, inode, 'the database file is the same one')
      assert.equal((await fetch(`${site.url}/healthy/is-healthy`)).status, 200)
      await site.stop()
      stopped = true

      const previous = await readFile(database)
      const restore = await run('restore.ts', [backupDir], siteEnv(restoredData))
      assert.equal(restore.code, 0, restore.stderr)
      const aside = /previous database and files are in (.+)/.exec(restore.stdout)?.[1] as string
      assert.ok(aside && existsSync(path.join(aside, 'files')), restore.stdout)
      assert.ok((await readFile(path.join(aside, 'mlkshk.sqlite'))).equals(previous))
      assert.notEqual((await stat(database)).ino, inode, 'a new database file is in place')
    } finally {
      if (!stopped) await site.stop()
    }
  })
})
