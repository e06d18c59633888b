// The only module that reads the environment. Every process loads the config once, at start,
// and passes the frozen result down; nothing else touches process.env. The variables themselves
// are declared in src/config-schema.ts; this module turns them into the shape the app uses.
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { isIP } from 'node:net'
import path from 'node:path'
import { parseEnv } from 'node:util'
import envSchema from 'env-schema'
import type { Static, TSchema } from 'typebox'
import { type AppEnvironment, appEnvironment, nodePoolEnvironment } from './config-schema.js'
import { projectRoot } from './paths.js'

export interface RateLimit {
  max: number
  windowSeconds: number
}

/**
 * What runs where, decided by DATABASE_URL and REDIS_URL alone (S3_BUCKET is independent):
 * - 'embedded': SQLite and no REDIS_URL. One process is the whole site: the web process
 *   migrates the database at start, runs the follow-up jobs itself, and keeps rate limits,
 *   the sign-in brake and the page cache in its own memory.
 * - 'sqlite-with-redis': SQLite and REDIS_URL. One machine (the database is a local file that
 *   the web process still migrates at start), but the follow-up jobs go through BullMQ to
 *   `npm run worker`, and rate limits, the sign-in brake and page-cache invalidation live in
 *   Redis. It is how a single box runs a separate worker, and how the suites exercise the
 *   production job path without MySQL.
 * - 'production': a mysql:// DATABASE_URL, with or without REDIS_URL. Nodes share
 *   SESSION_SECRET, refuse a database behind on migrations (`npm run migrate` first), and
 *   without REDIS_URL each web process runs the follow-up jobs itself.
 */
export type Mode = 'embedded' | 'sqlite-with-redis' | 'production'

export type DatabaseConfig = { dialect: 'sqlite'; file: string } | { dialect: 'mysql'; url: string }

/** The config every process gets: the validated environment in the shape the app uses. */
export type Config = ReturnType<typeof configFromEnvironment>
export type S3Config = NonNullable<Config['s3']>
export type ImageLimits = Config['images']
export type VideoLimits = Config['videos']
export type ReplicaConfig = Config['replicas']
export type MetricsConfig = Config['metrics']
/** The per-account brake on wrong passwords (services/sign-in-throttle.ts). */
export type SignInThrottleRules = Config['signInThrottle']
/** The kinds of write that are limited per user (likes include unlikes and comment likes). */
export type WriteAction = keyof Config['writeLimits']
export const writeActions: readonly WriteAction[] = [
  'comment',
  'like',
  'save',
  'follow',
  'createShake',
  'invite',
  'apiWrite',
]

/** The most a post's upload form reads: the larger of the image and video limits (the posting
 * service then holds each kind to its own). */
export function postUploadMaxBytes(config: { images: ImageLimits; videos: VideoLimits }): number {
  return Math.max(config.images.maxBytes, config.videos.maxBytes)
}

export class ConfigError extends Error {
  override name = 'ConfigError'
}

/**
 * Reads and validates the given environment (process.env by default) and returns a frozen
 * config. Throws ConfigError naming the offending variable.
 */
export function loadConfig(
  source: Record<string, string | undefined> = process.env,
  options: { dotenvFile?: string } = {},
): Readonly<Config> {
  // The real environment wins over a .env file.
  const merged = options.dotenvFile ? { ...readDotenvFile(options.dotenvFile), ...source } : source
  return deepFreeze(configFromEnvironment(validate(appEnvironment, merged)))
}

/** Checks `source` against a schema of config-schema.ts: defaults filled, values coerced. */
function validate<Schema extends TSchema>(
  schema: Schema,
  source: Record<string, string | undefined>,
): Static<Schema> {
  // Empty strings mean "unset": that is how compose files and shells usually clear a variable.
  const data = Object.fromEntries(
    Object.entries(source).filter(([, v]) => v !== undefined && v !== ''),
  )
  try {
    return envSchema<Static<Schema>>({ schema, data, env: false, dotenv: false })
  } catch (error) {
    throw new ConfigError(
      `Invalid configuration: ${(error as Error).message.replaceAll('env/', '')}`,
    )
  }
}

function configFromEnvironment(env: AppEnvironment) {
  const dataDir = path.resolve(projectRoot, env.DATA_DIR)
  const database = parseDatabaseUrl(env.DATABASE_URL, dataDir)
  const baseUrl = parseBaseUrl(env.BASE_URL ?? `http://localhost:${env.PORT}`)
  const s3 = env.S3_BUCKET
    ? {
        bucket: env.S3_BUCKET,
        endpoint: env.S3_ENDPOINT,
        region: env.S3_REGION,
        accessKeyId: env.S3_ACCESS_KEY_ID,
        secretAccessKey: env.S3_SECRET_ACCESS_KEY,
        forcePathStyle: env.S3_FORCE_PATH_STYLE,
      }
    : undefined
  if (!s3 && env.S3_ENDPOINT) throw new ConfigError('S3_ENDPOINT is set but S3_BUCKET is not')

  const trustProxy = parseTrustProxy(env.TRUST_PROXY)
  // The app never terminates TLS itself: an https:// site means a proxy in front, and without
  // trusting it the app would see plain http and refuse to send its Secure session cookie.
  if (baseUrl.startsWith('https:') && trustProxy === false) {
    throw new ConfigError(
      'BASE_URL is https:// but TRUST_PROXY is not set: list the addresses of the proxies that terminate TLS (e.g. 127.0.0.1,10.0.0.0/8)',
    )
  }

  const embedded = database.dialect === 'sqlite'
  const mode: Mode = !embedded ? 'production' : env.REDIS_URL ? 'sqlite-with-redis' : 'embedded'
  let sessionSecret = env.SESSION_SECRET
  if (!sessionSecret) {
    // Nodes behind a load balancer must share one secret, so only a site on one machine's
    // SQLite file may invent its own (its worker, if any, reads the same file).
    if (!embedded) {
      throw new ConfigError(
        'SESSION_SECRET is required when DATABASE_URL is set (every node must share it; at least 32 characters)',
      )
    }
    sessionSecret = embeddedSessionSecret(dataDir)
  }
  const windows = (value: string) => value.split(',').map(parseRateLimit)

  return {
    env: env.NODE_ENV,
    port: env.PORT,
    host: env.HOST,
    baseUrl,
    /** Which of the three ways to run the site this is (see Mode). */
    mode,
    /**
     * The database is a SQLite file (DATABASE_URL unset or sqlite:), i.e. mode 'embedded' or
     * 'sqlite-with-redis'. Exactly two things follow from it: the web process migrates the
     * database itself at start instead of refusing a schema that is behind, and without
     * SESSION_SECRET one is generated in DATA_DIR/session-secret. It says nothing about Redis
     * (see mode) or S3.
     */
    embedded,
    dataDir,
    /** Private folder for uploads in flight; everything in it is removed when the upload ends. */
    tmpDir: env.TMP_DIR ? path.resolve(projectRoot, env.TMP_DIR) : path.join(dataDir, 'tmp'),
    backupDir: path.resolve(projectRoot, env.BACKUP_DIR),
    database,
    /** Read replicas of a MySQL primary: page and API reads go to a fit one (see docs/scaling.md). */
    replicas: {
      urls: parseReplicaUrls(env.DATABASE_REPLICA_URLS, database),
      maxLagSeconds: env.REPLICA_MAX_LAG_SECONDS,
    },
    redisUrl: env.REDIS_URL,
    redisPrefix: env.REDIS_PREFIX,
    s3,
    postmarkToken: env.POSTMARK_TOKEN,
    postmarkApiUrl: env.POSTMARK_API_URL,
    mailFrom: env.MAIL_FROM,
    sentryDsn: env.SENTRY_DSN,
    ffmpegPath: env.FFMPEG_PATH,
    ffprobePath: env.FFPROBE_PATH,
    queueAlarmSeconds: env.QUEUE_ALARM_SECONDS,
    sessionSecret,
    trustProxy,
    logLevel: env.LOG_LEVEL,
    rateLimits: {
      signIn: parseRateLimit(env.RATE_LIMIT_SIGN_IN),
      createAccount: parseRateLimit(env.RATE_LIMIT_CREATE_ACCOUNT),
      forgotPassword: parseRateLimit(env.RATE_LIMIT_FORGOT_PASSWORD),
      upload: parseRateLimit(env.RATE_LIMIT_UPLOAD),
      report: parseRateLimit(env.RATE_LIMIT_REPORT),
      /** API calls per access token. */
      api: parseRateLimit(env.RATE_LIMIT_API),
    },
    /**
     * Per-user limits on each kind of write, each a list of windows (a burst and a sustained
     * rate): set where people never meet them and scripts always do.
     */
    writeLimits: {
      comment: windows(env.RATE_LIMIT_COMMENT),
      like: windows(env.RATE_LIMIT_LIKE),
      save: windows(env.RATE_LIMIT_SAVE),
      follow: windows(env.RATE_LIMIT_FOLLOW),
      createShake: windows(env.RATE_LIMIT_CREATE_SHAKE),
      invite: windows(env.RATE_LIMIT_INVITE),
      apiWrite: windows(env.RATE_LIMIT_API_WRITE),
    },
    signInThrottle: {
      freeFailures: env.SIGN_IN_FREE_FAILURES,
      lockAfter: Math.max(env.SIGN_IN_LOCK_AFTER, env.SIGN_IN_FREE_FAILURES + 1),
      lockSeconds: env.SIGN_IN_LOCK_SECONDS,
      /** Longest pause between two tries before the lock. */
      maxPauseSeconds: 60,
      /** Failures older than this are forgotten. */
      windowSeconds: 24 * 3600,
    },
    /** Who may read /metrics (and the worker's metrics port). */
    metrics: {
      allow: parseCidrs('METRICS_ALLOW', env.METRICS_ALLOW),
      token: env.METRICS_TOKEN,
      workerPort: env.WORKER_METRICS_PORT,
    },
    /** Where browsers fetch raw files from: the site itself, or a separate files host. */
    filesBaseUrl: env.FILES_BASE_URL ? parseBaseUrl(env.FILES_BASE_URL, 'FILES_BASE_URL') : baseUrl,
    images: {
      maxBytes: env.UPLOAD_MAX_BYTES,
      maxSide: env.IMAGE_MAX_SIDE,
      maxPixels: env.IMAGE_MAX_PIXELS,
      maxFrames: env.IMAGE_MAX_FRAMES,
      maxTotalPixels: env.IMAGE_MAX_TOTAL_PIXELS,
      heifDecoder: {
        path: env.HEIF_DECODER_PATH,
        timeoutMs: env.HEIF_DECODER_TIMEOUT_SECONDS * 1000,
      },
    },
    /** MP4 and WebM uploads, re-encoded to H.264 MP4 by the media queue. */
    videos: { maxBytes: env.VIDEO_MAX_BYTES, maxSeconds: env.VIDEO_MAX_SECONDS },
    monthlyUploadQuota: env.UPLOAD_MONTHLY_QUOTA_BYTES,
    magicThreshold: env.MAGIC_THRESHOLD,
    jobLockSeconds: env.JOB_LOCK_SECONDS,
    fanOut: { chunk: env.FAN_OUT_CHUNK, rowsPerSecond: env.FAN_OUT_ROWS_PER_SECOND },
    outboxRecheckSeconds: env.OUTBOX_RECHECK_SECONDS,
    drainSeconds: env.DRAIN_SECONDS,
    // Production reuses visitors' pages for a few seconds; development and tests see every change.
    pageCacheSeconds: env.PAGE_CACHE_SECONDS ?? (env.NODE_ENV === 'production' ? 5 : 0),
    // A member's session and account, reused by the node that read them (session-cache.ts;
    // only with REDIS_URL). Production saves a database read on every member's request; tests
    // and development read every change as it is made.
    sessionCacheSeconds: env.SESSION_CACHE_SECONDS ?? (env.NODE_ENV === 'production' ? 10 : 0),
    suggestionsCacheSeconds:
      env.SUGGESTIONS_CACHE_SECONDS ?? (env.NODE_ENV === 'production' ? 60 : 0),
    xAccelLocalFiles: env.X_ACCEL_LOCAL_FILES,
    viewLogFile: env.VIEW_LOG_FILE ? path.resolve(projectRoot, env.VIEW_LOG_FILE) : undefined,
    urlFetch: {
      allowed: parseCidrs('URL_FETCH_ALLOWED_ADDRESSES', env.URL_FETCH_ALLOWED_ADDRESSES),
      timeoutSeconds: env.URL_FETCH_TIMEOUT_SECONDS,
    },
    /** Where the site asks about a posted video link (oEmbed), by provider. */
    videoOembedEndpoints: parseOembedEndpoints(env.VIDEO_OEMBED_ENDPOINTS),
  }
}

/** The config of this process, from its environment and .env; exits with the message if invalid. */
export function loadProcessConfig(): Readonly<Config> {
  try {
    return loadConfig(process.env, { dotenvFile: path.join(projectRoot, '.env') })
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    console.error(error.message)
    process.exit(1)
  }
}

/** What `npm run nodes` and `npm run deploy:rolling` need: where HAProxy's runtime API is. */
export type NodePoolConfig = ReturnType<typeof loadNodePoolConfig>

export function loadNodePoolConfig(source: Record<string, string | undefined> = process.env) {
  const env = validate(nodePoolEnvironment, source)
  // HAProxy's time format: a bare number is milliseconds.
  const [, amount, unit] = /^([0-9]+)(ms|s)?$/.exec(env.CHECK_INTERVAL) as RegExpExecArray
  return Object.freeze({
    adminSocket: env.HAPROXY_ADMIN_SOCKET,
    backend: env.HAPROXY_BACKEND,
    /** HAProxy's check interval for the nodes (CHECK_INTERVAL in haproxy.cfg), in ms. */
    checkIntervalMs: Number(amount) * (unit === 's' ? 1000 : 1),
    drainTimeoutMs: env.NODE_DRAIN_TIMEOUT_SECONDS * 1000,
    readyTimeoutMs: env.NODE_READY_TIMEOUT_SECONDS * 1000,
    restartCommand: env.DEPLOY_RESTART_COMMAND,
  })
}

function readDotenvFile(file: string): Record<string, string> {
  if (!existsSync(file)) return {}
  try {
    return parseEnv(readFileSync(file, 'utf8')) as Record<string, string>
  } catch (error) {
    throw new ConfigError(`${file} could not be read: ${(error as Error).message}`)
  }
}

function parseDatabaseUrl(url: string | undefined, dataDir: string): DatabaseConfig {
  if (!url) return { dialect: 'sqlite', file: path.join(dataDir, 'mlkshk.sqlite') }
  if (url.startsWith('mysql://')) {
    try {
      const parsed = new URL(url)
      if (!parsed.hostname) throw new Error('no host')
    } catch {
      throw new ConfigError('DATABASE_URL is not a valid mysql:// URL')
    }
    return { dialect: 'mysql', url }
  }
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length).replace(/^\/\//, '')
    if (!file)
      throw new ConfigError('DATABASE_URL sqlite: needs a file path, e.g. sqlite:data/site.sqlite')
    return { dialect: 'sqlite', file: file === ':memory:' ? file : path.resolve(projectRoot, file) }
  }
  throw new ConfigError('DATABASE_URL must start with mysql:// or sqlite:')
}

function parseReplicaUrls(value: string | undefined, primary: DatabaseConfig): string[] {
  const urls = (value ?? '')
    .split(',')
    .map((url) => url.trim())
    .filter((url) => url !== '')
  if (urls.length === 0) return []
  if (primary.dialect !== 'mysql')
    throw new ConfigError('DATABASE_REPLICA_URLS needs a mysql:// DATABASE_URL (replicas of it)')
  for (const url of urls) {
    const parsed = URL.canParse(url) ? new URL(url) : undefined
    if (parsed?.protocol !== 'mysql:' || !parsed.hostname)
      throw new ConfigError('DATABASE_REPLICA_URLS must be mysql:// URLs, separated by commas')
  }
  return urls
}

function parseBaseUrl(value: string, name = 'BASE_URL'): string {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new ConfigError(`${name} is not a valid URL`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`${name} must be an http:// or https:// URL`)
  }
  return url.origin
}

function parseTrustProxy(value: string | undefined): boolean | string {
  if (value === undefined || value === 'false') return false
  if (value === 'true') {
    throw new ConfigError(
      'TRUST_PROXY=true would let any client forge its address; list the proxy addresses or CIDRs instead',
    )
  }
  return value
}

function parseCidrs(name: string, value: string | undefined): string[] {
  if (!value) return []
  const cidrs = value
    .split(',')
    .map((c) => c.trim())
    .filter(Boolean)
  for (const cidr of cidrs) {
    const [address = '', prefix] = cidr.split('/')
    if (isIP(address) === 0 || (prefix !== undefined && !/^\d{1,3}$/.test(prefix))) {
      throw new ConfigError(`${name}: ${cidr} is not an address or CIDR`)
    }
  }
  return cidrs
}

/** The providers a video may be posted from by its link, and their oEmbed endpoints. */
const defaultOembedEndpoints = {
  youtube: 'https://www.youtube.com/oembed',
  vimeo: 'https://vimeo.com/api/oembed.json',
}
export type VideoOembedProvider = keyof typeof defaultOembedEndpoints

/** VIDEO_OEMBED_ENDPOINTS: a JSON object provider -> http(s) URL, over the defaults. */
function parseOembedEndpoints(value: string | undefined): Record<VideoOembedProvider, string> {
  const endpoints = { ...defaultOembedEndpoints }
  if (!value) return endpoints
  const fail = (why: string) => new ConfigError(`VIDEO_OEMBED_ENDPOINTS: ${why}`)
  let parsed: unknown
  try {
    parsed = JSON.parse(value)
  } catch {
    throw fail('not JSON (expected an object like {"youtube": "https://..."})')
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw fail('expected a JSON object of provider -> endpoint URL')
  for (const [provider, url] of Object.entries(parsed)) {
    if (!Object.hasOwn(defaultOembedEndpoints, provider))
      throw fail(`unknown provider ${provider} (known: youtube, vimeo)`)
    if (typeof url !== 'string' || !/^https?:\/\/[^\s]+$/.test(url) || !URL.canParse(url))
      throw fail(`${provider}: ${String(url)} is not an http(s) URL`)
    endpoints[provider as VideoOembedProvider] = url
  }
  return endpoints
}

function parseRateLimit(value: string): RateLimit {
  const [max, windowSeconds] = value.split('/').map(Number)
  return { max: max ?? 0, windowSeconds: windowSeconds ?? 1 }
}

function embeddedSessionSecret(dataDir: string): string {
  const file = path.join(dataDir, 'session-secret')
  if (existsSync(file)) return readFileSync(file, 'utf8').trim()
  mkdirSync(dataDir, { recursive: true })
  const secret = randomBytes(32).toString('hex')
  try {
    writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' })
  } catch (error) {
    // Another process started at the same moment and wrote first: use its secret.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return readFileSync(file, 'utf8').trim()
    throw error
  }
  return secret
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner)
    Object.freeze(value)
  }
  return value
}
