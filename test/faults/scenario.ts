// The parts every fault scenario shares: users acting on posts in a steady loop while the fault
// is injected (the load), what the site answered during the fault window, and the end of a
// scenario: invariants checked, one row recorded for the table, then asserted.
import assert from 'node:assert/strict'
import { signUp } from '../helpers/accounts.js'
import type { TestSite } from '../helpers/app.js'
import type { Browser } from '../helpers/browser.js'
import type { TestS3 } from '../helpers/s3.js'
import { recordScenario } from '../helpers/scenario-report.js'
import { post, postJson } from '../helpers/social.js'
import { Acknowledged, checkInvariants } from './invariants.js'

/** A request that has not answered after this long counts as unanswered. */
const ANSWER_TIMEOUT_MS = 15_000

interface Sample {
  at: number
  ms: number
  /** The HTTP status, or 0 when nothing answered in time. */
  status: number
}

export interface WindowFigures {
  requests: number
  /** Answered with any HTTP status. */
  answered: number
  /** Answered 2xx or 3xx. */
  succeeded: number
  maxLatencyMs: number
}

/** Runs each actor in its own loop until stopped, timing every request. */
export class Load {
  private readonly samples: Sample[] = []
  private running = true
  private readonly loops: Promise<void>[]

  constructor(actors: Array<() => Promise<number>>, pauseMs = 10) {
    this.loops = actors.map(async (step) => {
      while (this.running) {
        const at = Date.now()
        const status = await withTimeout(step(), ANSWER_TIMEOUT_MS).catch(() => 0)
        this.samples.push({ at, ms: Date.now() - at, status })
        await sleep(pauseMs)
      }
    })
  }

  async stop(): Promise<void> {
    this.running = false
    await Promise.all(this.loops)
  }

  /** Figures for the requests started between the two instants. */
  figures(from = 0, to = Number.POSITIVE_INFINITY): WindowFigures {
    const window = this.samples.filter((s) => s.at >= from && s.at < to)
    return {
      requests: window.length,
      answered: window.filter((s) => s.status > 0).length,
      succeeded: window.filter((s) => s.status >= 200 && s.status < 400).length,
      maxLatencyMs: Math.max(0, ...window.map((s) => s.ms)),
    }
  }
}

export interface Actor {
  browser: Browser
  userId: number
}

/** Signs up people who act on other people's posts. */
export async function signUpActors(
  site: TestSite,
  prefix: string,
  count: number,
): Promise<Actor[]> {
  const actors: Actor[] = []
  for (let i = 0; i < count; i++) {
    const name = `${prefix}${i}`
    const browser = await signUp(site.app, name, `${name}@example.com`, `10.7.${i}.1`)
    await browser.get('/')
    const user = await site.app.db
      .selectFrom('user')
      .select('id')
      .where('name', '=', name)
      .executeTakeFirstOrThrow()
    actors.push({ browser, userId: user.id })
  }
  return actors
}

export interface TargetPost {
  id: number
  key: string
}

/** Posts `count` images by a new user, to be liked, saved and commented on. */
export async function targetPosts(site: TestSite, count: number): Promise<TargetPost[]> {
  const owner = await signUp(site.app, 'owner', 'owner@example.com', '10.6.0.1')
  const posts: TargetPost[] = []
  for (let i = 0; i < count; i++) {
    const key = await post(owner, `target ${i}`)
    posts.push({ id: Number.parseInt(key, 36), key })
  }
  return posts
}

/**
 * One step of a user's life on the site, in turn: like or unlike, comment, save, read. Every
 * acknowledged effect is written down so the invariants can look for it afterwards.
 */
export function socialSteps(
  actor: Actor,
  posts: TargetPost[],
  acknowledged: Acknowledged,
): () => Promise<number> {
  let n = 0
  return async () => {
    n++
    const target = posts[(n * 7 + actor.userId) % posts.length] as TargetPost
    const kind = n % 6
    if (kind === 0 || kind === 1 || kind === 3) {
      const like = kind !== 3
      acknowledged.like(actor.userId, target.id, undefined)
      const answer = await postJson(actor.browser, `/p/${target.key}/${like ? 'like' : 'unlike'}`)
      if (answer.status === 200) acknowledged.like(actor.userId, target.id, answer.body.liked)
      return answer.status
    }
    if (kind === 2) {
      const body = `comment ${actor.userId}-${n}`
      const answer = await postJson(actor.browser, `/p/${target.key}/comment`, { body })
      if (answer.status === 200) acknowledged.comments.add(body)
      return answer.status
    }
    if (kind === 4) {
      const answer = await postJson(actor.browser, `/p/${target.key}/save`)
      if (answer.status === 200) acknowledged.saves.add(Number.parseInt(answer.body.key, 36))
      return answer.status
    }
    return (await actor.browser.get(`/p/${target.key}`)).statusCode
  }
}

/** A GET that only asks whether the site is up (what HAProxy asks). */
export function healthSteps(site: TestSite): () => Promise<number> {
  return async () =>
    (await site.app.inject({ method: 'GET', url: '/healthy/is-healthy' })).statusCode
}

export interface FaultRun {
  acknowledged: Acknowledged
  load: Load
  /** When the fault began and ended (both 0 for a run without one). */
  faultStart: number
  faultEnd: number
}

/**
 * The shape most scenarios share: four users liking, saving and commenting on three posts
 * (and the health check, when asked), the fault injected after `leadMs`, the load kept up for
 * `tailMs` once it is over, then stopped.
 */
export async function socialLoadAround(
  site: TestSite,
  options: { prefix: string; health?: boolean; leadMs?: number; tailMs?: number },
  fault?: () => Promise<void>,
): Promise<FaultRun> {
  const posts = await targetPosts(site, 3)
  const actors = await signUpActors(site, options.prefix, 4)
  const acknowledged = new Acknowledged()
  const load = new Load([
    ...actors.map((actor) => socialSteps(actor, posts, acknowledged)),
    ...(options.health ? [healthSteps(site)] : []),
  ])
  // Timed on purpose: the load windows before and after the fault are what the figures describe.
  await sleep(options.leadMs ?? 1000)
  let faultStart = 0
  let faultEnd = 0
  if (fault) {
    faultStart = Date.now()
    await fault()
    faultEnd = Date.now()
  }
  await sleep(options.tailMs ?? 0)
  await load.stop()
  return { acknowledged, load, faultStart, faultEnd }
}

export function describeWindow(label: string, figures: WindowFigures): string {
  return `${label}: ${figures.answered}/${figures.requests} answered, ${figures.succeeded} ok, max ${figures.maxLatencyMs} ms`
}

/**
 * Ends a scenario: checks the invariants (plus the scenario's own, e.g. "site kept answering"),
 * records the table row, then fails the test if anything broke.
 */
export async function finishScenario(options: {
  scenario: string
  injected: string
  site: TestSite & { s3?: TestS3 }
  acknowledged: Acknowledged
  own: Record<string, boolean>
  figures: string[]
  settleMs?: number
  /** The scenario's own checks that need the work settled first. */
  after?: () => Promise<Record<string, boolean>>
}): Promise<void> {
  const report = await checkInvariants(options.site, options.acknowledged, {
    settleMs: options.settleMs ?? 30_000,
  })
  const invariants = { ...options.own, ...(await options.after?.()), ...report.held }
  await recordScenario({
    suite: 'faults',
    scenario: options.scenario,
    injected: options.injected,
    invariants,
    figures: options.figures,
  })
  const broken = Object.entries(invariants)
    .filter(([, held]) => !held)
    .map(([name]) => name)
  assert.deepEqual(
    broken,
    [],
    `${options.scenario}: ${[...report.problems, ...options.figures].slice(0, 20).join('; ')}`,
  )
}

/** Answering during a fault: every request answered, none slower than the bound. */
export function keptAnswering(figures: WindowFigures, maxLatencyMs: number): boolean {
  return (
    figures.requests > 0 &&
    figures.answered === figures.requests &&
    figures.maxLatencyMs < maxLatencyMs
  )
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timed out')), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}
