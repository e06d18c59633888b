// The nodes' tag channel (the page cache's and the session cache's) on a Redis of the test's
// own: a node that started while Redis was away hears the others once it is back, says when it
// hears and when it may have missed something, and every failure on the way is logged. On a
// confirmed channel a publish resolves only once every node has heard it, even one whose
// connection to Redis runs late.
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { openTagChannel, type TagChannel } from '../../src/services/tag-channel.js'
import { DelayingProxy } from '../helpers/delaying-proxy.js'
import { eventually } from '../helpers/jobs.js'
import { OwnRedis, skipWithoutRedisServer } from '../helpers/own-redis.js'

describe('tag channel', () => {
  const cleanups: Array<() => unknown> = []
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup()
  })

  it('subscribes once Redis is back, and logs what failed meanwhile', {
    skip: skipWithoutRedisServer(),
  }, async () => {
    const redis = await OwnRedis.start()
    cleanups.push(() => redis.close())
    await redis.stop()

    const lines: Array<{ message: string; details: object }> = []
    const log = { warn: (details: object, message: string) => lines.push({ details, message }) }
    const heard: Array<readonly string[]> = []
    const hearing: boolean[] = []
    const open = async (
      onTags: (tags: readonly string[]) => void,
      onHearing?: (now: boolean) => void,
    ) => {
      const channel: TagChannel = await openTagChannel({
        url: redis.url,
        name: 'pc',
        label: 'page cache',
        log,
        heard: onTags,
        ...(onHearing ? { hearing: onHearing } : {}),
      })
      cleanups.push(() => channel.close())
      return channel
    }
    await open(
      (tags) => heard.push(tags),
      (now) => hearing.push(now),
    )
    const other = await open(() => {})
    // Several failed connections: long enough for a subscription sent at start to be given up.
    await eventually(
      async () => lines.filter((line) => line.message === 'page cache: redis error').length >= 6,
      10_000,
      'failed connections logged',
    )
    assert.equal(hearing.includes(true), false, 'never heard while Redis was away')
    assert.equal(await other.publish(['post:1']), false, 'a failed publish says so')
    await eventually(
      async () => lines.some((line) => line.message.startsWith('page cache: other nodes not told')),
      10_000,
      'the failed publish logged',
    )

    await redis.start()
    await eventually(
      async () => {
        other.publish(['post:2'])
        return heard.length > 0
      },
      10_000,
      'the late node to hear the other',
    )
    assert.deepEqual(heard[0], ['post:2'])
    assert.equal(hearing.at(-1), true)

    // Redis gone again: the node says it may miss messages, and hears again once it is back.
    await redis.stop()
    await eventually(async () => hearing.at(-1) === false, 10_000, 'the loss of Redis noticed')
    await redis.start()
    await eventually(async () => hearing.at(-1) === true, 10_000, 'hearing again')

    // A message no node wrote drops everything, and is logged, instead of throwing in the
    // client's event handler (an uncaught exception: the process would stop).
    await redis.command('publish', 'pc', 'not json')
    await eventually(
      async () => heard.some((tags) => tags.length === 1 && tags[0] === '*'),
      10_000,
      'the unreadable message heard as "drop everything"',
    )
    assert.ok(lines.some((line) => line.message === 'page cache: unreadable message, dropping all'))
  })

  it('answers a confirmed publish only once every node has heard it', {
    skip: skipWithoutRedisServer(),
  }, async () => {
    const redis = await OwnRedis.start()
    cleanups.push(() => redis.close())
    const late = await DelayingProxy.start(redis.url)
    cleanups.push(() => late.close())
    const lines: string[] = []
    const log = { warn: (_details: object, message: string) => lines.push(message) }
    const heardLate: Array<readonly string[]> = []
    const hearing = { here: false, late: false }
    const open = async (
      url: string,
      onTags: (tags: readonly string[]) => void,
      who: 'here' | 'late',
    ) => {
      const channel = await openTagChannel({
        url,
        name: 'sc',
        label: 'session cache',
        log,
        heard: onTags,
        hearing: (now) => {
          hearing[who] = now
        },
        confirmed: true,
        confirmTimeoutMs: 1500,
      })
      cleanups.push(() => channel.close())
      return channel
    }
    const here = await open(redis.url, () => {}, 'here')
    await open(late.url, (tags) => heardLate.push(tags), 'late')
    await eventually(async () => hearing.here && hearing.late, 10_000, 'both nodes subscribed')

    // At rest: answered at once, heard by both.
    assert.equal(await here.publish(['session:a']), true)
    assert.deepEqual(heardLate.at(-1), ['session:a'])

    // The other node's messages arrive 400 ms late: the publish waits for it.
    late.delayMs = 400
    const began = Date.now()
    assert.equal(await here.publish(['session:b']), true)
    assert.deepEqual(heardLate.at(-1), ['session:b'], 'answered before the late node heard')
    assert.ok(Date.now() - began >= 350, 'waited for the late node')

    // Later than the time allowed: the publish gives up (the write is not held forever), says
    // so, and the late node still hears it when its connection catches up.
    late.delayMs = 2500
    const gaveUp = Date.now()
    assert.equal(await here.publish(['session:c']), false)
    const waited = Date.now() - gaveUp
    assert.ok(waited >= 1400 && waited < 2400, `gave up after the time allowed (${waited} ms)`)
    assert.ok(lines.includes('session cache: not every node confirmed within 1500 ms'))
    await eventually(
      async () => heardLate.some((tags) => tags[0] === 'session:c'),
      10_000,
      'the late node to hear it in the end',
    )

    // Redis gone: a change is not held waiting for answers that cannot come.
    await redis.stop()
    await eventually(async () => !hearing.here, 10_000, 'the loss of Redis noticed')
    const deaf = Date.now()
    assert.equal(await here.publish(['session:d']), false)
    assert.ok(Date.now() - deaf < 500, 'answered at once while Redis is away')
  })
})
