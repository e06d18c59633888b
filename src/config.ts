// The only module that reads the environment. Every process loads the config once, at start,
// and passes the frozen result down; nothing else touches process.env.
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { isIP } from 'node:net'
import path from 'node:path'
import { parseEnv } from 'node:util'
import envSchema from 'env-schema'
import { projectRoot } from './paths.js'

export interface RateLimit {
  max: number
  windowSeconds: number
}

/** The kinds of write that are limited per user (likes include unlikes and comment likes). */
export const writeActions = [
  'comment',
  'like',
  'save',
  'follow',
  'createShake',
  'invite',
  'apiWrite',
] as const
export type WriteAction = (typeof writeActions)[number]

/** Environment variable and default of each write limit: per minute, then per hour. */
const writeLimitDefaults: Record<WriteAction, [string, string]> = {
  comment: ['RATE_LIMIT_COMMENT', '10/60,100/3600'],
  like: ['RATE_LIMIT_LIKE', '60/60,600/3600'],
  save: ['RATE_LIMIT_SAVE', '20/60,200/3600'],
  follow: ['RATE_LIMIT_FOLLOW', '30/60,300/3600'],
  createShake: ['RATE_LIMIT_CREATE_SHAKE', '4/60,10/3600'],
  invite: ['RATE_LIMIT_INVITE', '20/60,100/3600'],
  apiWrite: ['RATE_LIMIT_API_WRITE', '30/60,500/3600'],
}

/** The per-account brake on wrong passwords (services/sign-in-throttle.ts). */
export interface SignInThrottleRules {
  /** Failures in a row without any pause. */
  freeFailures: number
  /** Failures in a row that lock the account (or login) for lockSeconds. */
  lockAfter: number
  lockSeconds: number
  /** Longest pause between two tries before the lock. */
  maxPauseSeconds: number
  /** Failures older than this are forgotten. */
  windowSeconds: number
}

export interface S3Config {
  bucket: string
  endpoint: string | undefined
  region: string
  accessKeyId: string | undefined
  secretAccessKey: string | undefined
  forcePathStyle: boolean
}

export interface ImageLimits {
  /** Largest upload accepted, in bytes (nginx's client_max_body_size should match). */
  maxBytes: number
  /** Largest width or height of one frame. */
  maxSide: number
  /** Largest width × height of one frame. */
  maxPixels: number
  maxFrames: number
  /** Largest width × height × frames of an animation. */
  maxTotalPixels: number
  /** The outside program that decodes HEIC (HEVC) photos, which sharp's libvips cannot. */
  heifDecoder: { path: string; timeoutMs: number }
}

export interface VideoLimits {
  /** Largest video upload, in bytes (nginx's client_max_body_size should allow it). */
  maxBytes: number
  /** Longest video accepted, in seconds. */
  maxSeconds: number
}

/** The most a post's upload form reads: the larger of the image and video limits (the posting
 * service then holds each kind to its own). */
export function postUploadMaxBytes(config: { images: ImageLimits; videos: VideoLimits }): number {
  return Math.max(config.images.maxBytes, config.videos.maxBytes)
}

export type DatabaseConfig = { dialect: 'sqlite'; file: string } | { dialect: 'mysql'; url: string }

export interface ReplicaConfig {
  urls: string[]
  /** A replica further behind than this (or not replicating) takes no reads. */
  maxLagSeconds: number
}

export interface Config {
  env: 'development' | 'production' | 'test'
  port: number
  host: string
  baseUrl: string
  /** Embedded mode: no external database, queue or object store configured. */
  embedded: boolean
  dataDir: string
  /** Private folder for uploads in flight; everything in it is removed when the upload ends. */
  tmpDir: string
  /** Where `npm run backup` writes its backups unless given a folder (embedded mode). */
  backupDir: string
  database: DatabaseConfig
  /** Read replicas of a MySQL primary: page and API reads go to a fit one (see docs/scaling.md). */
  replicas: ReplicaConfig
  redisUrl: string | undefined
  /** Namespace of every key this site keeps in Redis (queues, rate limits). */
  redisPrefix: string
  s3: S3Config | undefined
  postmarkToken: string | undefined
  /** Only for tests and Postmark-compatible relays; the client defaults to Postmark itself. */
  postmarkApiUrl: string | undefined
  mailFrom: string
  /** Where error reports and queue alarms go (Sentry); unset: logs only. */
  sentryDsn: string | undefined
  /** The ffmpeg that turns animated GIFs into MP4 videos (Debian's package by default). */
  ffmpegPath: string
  /** The ffprobe that reads video uploads before anything else touches them. */
  ffprobePath: string
  /** A queue whose oldest waiting job (or an outbox whose oldest row) is older than this raises the alarm (seconds). */
  queueAlarmSeconds: number
  sessionSecret: string
  trustProxy: boolean | string
  logLevel: string
  /** Where browsers fetch raw files from: the site itself, or a separate files host. */
  filesBaseUrl: string
  images: ImageLimits
  /** MP4 and WebM uploads, re-encoded to H.264 MP4 by the media queue. */
  videos: VideoLimits
  urlFetch: {
    /** CIDRs exempted from the private-address block when posting from a URL. */
    allowed: string[]
    timeoutSeconds: number
  }
  /** Where the site asks about a posted video link (oEmbed), by provider. */
  videoOembedEndpoints: Readonly<Record<VideoOembedProvider, string>>
  /** Bytes a user may upload per calendar month (UTC); 0 means no quota. */
  monthlyUploadQuota: number
  /** On SIGTERM, how long the health check answers 404 before the server closes (seconds). */
  drainSeconds: number
  /** How long a page rendered for a visitor without a session is reused (seconds; 0: never). */
  pageCacheSeconds: number
  /** How long the list of people and shakes suggested to new members is reused (seconds). */
  suggestionsCacheSeconds: number
  /** Local files are sent by nginx (X-Accel-Redirect to its /_local/ alias), not by the app. */
  xAccelLocalFiles: boolean
  /**
   * nginx's log of raw-file views (one post id a line) that this process adds up into
   * view_count; set when nginx keeps the app's /r/ answers, so views it answered are counted.
   */
  viewLogFile: string | undefined
  /** How long a worker holds a job before others may take it up as stalled (seconds). */
  jobLockSeconds: number
  /** A row handed to the queue this long ago whose job the queue no longer has is sent again. */
  outboxRecheckSeconds: number
  /** Likes that make a post "magic" (best of). */
  magicThreshold: number
  /**
   * The fan-out of a post to its followers' timelines: followers per statement, and a ceiling
   * on timeline rows written per second (0: none), so a post by someone with a huge following
   * does not swamp the primary or leave replicas behind.
   */
  fanOut: { chunk: number; rowsPerSecond: number }
  rateLimits: {
    signIn: RateLimit
    createAccount: RateLimit
    forgotPassword: RateLimit
    upload: RateLimit
    report: RateLimit
    /** API calls per access token. */
    api: RateLimit
  }
  /**
   * Per-user limits on each kind of write, each a list of windows (a burst and a sustained
   * rate): set where people never meet them and scripts always do.
   */
  writeLimits: Record<WriteAction, readonly RateLimit[]>
  signInThrottle: SignInThrottleRules
  metrics: MetricsConfig
}

/** Who may read /metrics (and the worker's metrics port). */
export interface MetricsConfig {
  /** Addresses and CIDRs that connect directly (not through a proxy) and may read. */
  allow: string[]
  /** A scraper anywhere may read with `Authorization: Bearer <token>`. */
  token: string | undefined
  /** The worker's metrics port; 0: the worker shows none. */
  workerPort: number
}

const schema = {
  type: 'object',
  properties: {
    NODE_ENV: {
      type: 'string',
      enum: ['development', 'production', 'test'],
      default: 'development',
    },
    PORT: { type: 'integer', minimum: 0, maximum: 65535, default: 3000 },
    HOST: { type: 'string', minLength: 1, default: 'localhost' },
    BASE_URL: { type: 'string' },
    DATA_DIR: { type: 'string', minLength: 1, default: 'data' },
    TMP_DIR: { type: 'string', minLength: 1 },
    BACKUP_DIR: { type: 'string', minLength: 1, default: 'backups' },
    DATABASE_URL: { type: 'string' },
    DATABASE_REPLICA_URLS: { type: 'string' },
    REPLICA_MAX_LAG_SECONDS: { type: 'number', minimum: 0.5, maximum: 3600, default: 5 },
    REDIS_URL: { type: 'string', pattern: '^rediss?://' },
    REDIS_PREFIX: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,40}$', default: 'mlkshk' },
    S3_BUCKET: { type: 'string', minLength: 3 },
    S3_ENDPOINT: { type: 'string', pattern: '^https?://' },
    S3_REGION: { type: 'string', default: 'us-east-1' },
    S3_ACCESS_KEY_ID: { type: 'string' },
    S3_SECRET_ACCESS_KEY: { type: 'string' },
    S3_FORCE_PATH_STYLE: { type: 'boolean', default: false },
    POSTMARK_TOKEN: { type: 'string', minLength: 1 },
    POSTMARK_API_URL: { type: 'string', pattern: '^https?://' },
    MAIL_FROM: { type: 'string', minLength: 3, default: 'MLKSHK <hello@localhost>' },
    SENTRY_DSN: { type: 'string', pattern: '^https?://' },
    FFMPEG_PATH: { type: 'string', minLength: 1, default: 'ffmpeg' },
    FFPROBE_PATH: { type: 'string', minLength: 1, default: 'ffprobe' },
    HEIF_DECODER_PATH: { type: 'string', minLength: 1, default: 'heif-convert' },
    HEIF_DECODER_TIMEOUT_SECONDS: { type: 'integer', minimum: 1, maximum: 600, default: 60 },
    SESSION_SECRET: { type: 'string', minLength: 32 },
    TRUST_PROXY: { type: 'string' },
    LOG_LEVEL: {
      type: 'string',
      enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
      default: 'info',
    },
    RATE_LIMIT_SIGN_IN: { type: 'string', pattern: '^[0-9]+/[0-9]+$', default: '25/300' },
    RATE_LIMIT_CREATE_ACCOUNT: { type: 'string', pattern: '^[0-9]+/[0-9]+$', default: '5/1800' },
    RATE_LIMIT_FORGOT_PASSWORD: { type: 'string', pattern: '^[0-9]+/[0-9]+$', default: '5/1800' },
    RATE_LIMIT_UPLOAD: { type: 'string', pattern: '^[0-9]+/[0-9]+$', default: '30/1800' },
    RATE_LIMIT_REPORT: { type: 'string', pattern: '^[0-9]+/[0-9]+$', default: '20/3600' },
    RATE_LIMIT_API: { type: 'string', pattern: '^[0-9]+/[0-9]+$', default: '150/3600' },
    SIGN_IN_FREE_FAILURES: { type: 'integer', minimum: 1, maximum: 100, default: 5 },
    SIGN_IN_LOCK_AFTER: { type: 'integer', minimum: 2, maximum: 1000, default: 20 },
    SIGN_IN_LOCK_SECONDS: { type: 'integer', minimum: 1, maximum: 86400, default: 900 },
    ...Object.fromEntries(
      Object.values(writeLimitDefaults).map(([name, value]) => [
        name,
        { type: 'string', pattern: '^[0-9]+/[0-9]+(,[0-9]+/[0-9]+)*$', default: value },
      ]),
    ),
    FILES_BASE_URL: { type: 'string' },
    URL_FETCH_ALLOWED_ADDRESSES: { type: 'string' },
    VIDEO_OEMBED_ENDPOINTS: { type: 'string' },
    MAGIC_THRESHOLD: { type: 'integer', minimum: 1, default: 10 },
    JOB_LOCK_SECONDS: { type: 'integer', minimum: 1, maximum: 3600, default: 30 },
    FAN_OUT_CHUNK: { type: 'integer', minimum: 1, maximum: 50000, default: 2000 },
    FAN_OUT_ROWS_PER_SECOND: { type: 'integer', minimum: 0, default: 0 },
    OUTBOX_RECHECK_SECONDS: { type: 'integer', minimum: 1, maximum: 3600, default: 60 },
    QUEUE_ALARM_SECONDS: { type: 'number', minimum: 1, maximum: 86400, default: 300 },
    DRAIN_SECONDS: { type: 'integer', minimum: 0, maximum: 300, default: 0 },
    PAGE_CACHE_SECONDS: { type: 'integer', minimum: 0, maximum: 60 },
    SUGGESTIONS_CACHE_SECONDS: { type: 'integer', minimum: 0, maximum: 3600 },
    X_ACCEL_LOCAL_FILES: { type: 'boolean', default: false },
    VIEW_LOG_FILE: { type: 'string', minLength: 1 },
    URL_FETCH_TIMEOUT_SECONDS: { type: 'integer', minimum: 1, maximum: 300, default: 20 },
    UPLOAD_MAX_BYTES: { type: 'integer', minimum: 1024, default: 20 * 1024 * 1024 },
    UPLOAD_MONTHLY_QUOTA_BYTES: { type: 'integer', minimum: 0, default: 2 * 1024 * 1024 * 1024 },
    IMAGE_MAX_SIDE: { type: 'integer', minimum: 16, default: 16384 },
    IMAGE_MAX_PIXELS: { type: 'integer', minimum: 256, default: 50_000_000 },
    IMAGE_MAX_FRAMES: { type: 'integer', minimum: 1, default: 1000 },
    IMAGE_MAX_TOTAL_PIXELS: { type: 'integer', minimum: 256, default: 200_000_000 },
    VIDEO_MAX_BYTES: { type: 'integer', minimum: 1024, default: 50 * 1024 * 1024 },
    VIDEO_MAX_SECONDS: { type: 'integer', minimum: 1, maximum: 600, default: 60 },
    METRICS_ALLOW: { type: 'string', default: '127.0.0.0/8,::1' },
    METRICS_TOKEN: { type: 'string', minLength: 16 },
    WORKER_METRICS_PORT: { type: 'integer', minimum: 0, maximum: 65535, default: 0 },
  },
} as const

interface RawEnv {
  NODE_ENV: Config['env']
  PORT: number
  HOST: string
  BASE_URL?: string
  DATA_DIR: string
  TMP_DIR?: string
  BACKUP_DIR: string
  DATABASE_URL?: string
  DATABASE_REPLICA_URLS?: string
  REPLICA_MAX_LAG_SECONDS: number
  REDIS_URL?: string
  REDIS_PREFIX: string
  S3_BUCKET?: string
  S3_ENDPOINT?: string
  S3_REGION: string
  S3_ACCESS_KEY_ID?: string
  S3_SECRET_ACCESS_KEY?: string
  S3_FORCE_PATH_STYLE: boolean
  POSTMARK_TOKEN?: string
  POSTMARK_API_URL?: string
  MAIL_FROM: string
  SENTRY_DSN?: string
  FFMPEG_PATH: string
  FFPROBE_PATH: string
  HEIF_DECODER_PATH: string
  HEIF_DECODER_TIMEOUT_SECONDS: number
  SESSION_SECRET?: string
  TRUST_PROXY?: string
  LOG_LEVEL: string
  RATE_LIMIT_SIGN_IN: string
  RATE_LIMIT_CREATE_ACCOUNT: string
  RATE_LIMIT_FORGOT_PASSWORD: string
  RATE_LIMIT_UPLOAD: string
  RATE_LIMIT_REPORT: string
  RATE_LIMIT_API: string
  SIGN_IN_FREE_FAILURES: number
  SIGN_IN_LOCK_AFTER: number
  SIGN_IN_LOCK_SECONDS: number
  [writeLimit: `RATE_LIMIT_${string}`]: string
  FILES_BASE_URL?: string
  URL_FETCH_ALLOWED_ADDRESSES?: string
  VIDEO_OEMBED_ENDPOINTS?: string
  MAGIC_THRESHOLD: number
  JOB_LOCK_SECONDS: number
  FAN_OUT_CHUNK: number
  FAN_OUT_ROWS_PER_SECOND: number
  OUTBOX_RECHECK_SECONDS: number
  DRAIN_SECONDS: number
  QUEUE_ALARM_SECONDS: number
  PAGE_CACHE_SECONDS?: number
  SUGGESTIONS_CACHE_SECONDS?: number
  X_ACCEL_LOCAL_FILES: boolean
  VIEW_LOG_FILE?: string
  URL_FETCH_TIMEOUT_SECONDS: number
  UPLOAD_MAX_BYTES: number
  UPLOAD_MONTHLY_QUOTA_BYTES: number
  IMAGE_MAX_SIDE: number
  IMAGE_MAX_PIXELS: number
  IMAGE_MAX_FRAMES: number
  IMAGE_MAX_TOTAL_PIXELS: number
  VIDEO_MAX_BYTES: number
  VIDEO_MAX_SECONDS: number
  METRICS_ALLOW: string
  METRICS_TOKEN?: string
  WORKER_METRICS_PORT: number
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
  // Empty strings mean "unset": that is how compose files and shells usually clear a variable.
  const data = Object.fromEntries(
    Object.entries(merged).filter(([, v]) => v !== undefined && v !== ''),
  )
  let raw: RawEnv
  try {
    raw = envSchema<RawEnv>({ schema, data, env: false, dotenv: false })
  } catch (error) {
    throw new ConfigError(
      `Invalid configuration: ${(error as Error).message.replaceAll('env/', '')}`,
    )
  }

  const dataDir = path.resolve(projectRoot, raw.DATA_DIR)
  const database = parseDatabaseUrl(raw.DATABASE_URL, dataDir)
  const baseUrl = parseBaseUrl(raw.BASE_URL ?? `http://localhost:${raw.PORT}`)
  const s3 = raw.S3_BUCKET
    ? {
        bucket: raw.S3_BUCKET,
        endpoint: raw.S3_ENDPOINT,
        region: raw.S3_REGION,
        accessKeyId: raw.S3_ACCESS_KEY_ID,
        secretAccessKey: raw.S3_SECRET_ACCESS_KEY,
        forcePathStyle: raw.S3_FORCE_PATH_STYLE,
      }
    : undefined
  if (!s3 && raw.S3_ENDPOINT) throw new ConfigError('S3_ENDPOINT is set but S3_BUCKET is not')

  const trustProxy = parseTrustProxy(raw.TRUST_PROXY)
  // The app never terminates TLS itself: an https:// site means a proxy in front, and without
  // trusting it the app would see plain http and refuse to send its Secure session cookie.
  if (baseUrl.startsWith('https:') && trustProxy === false) {
    throw new ConfigError(
      'BASE_URL is https:// but TRUST_PROXY is not set: list the addresses of the proxies that terminate TLS (e.g. 127.0.0.1,10.0.0.0/8)',
    )
  }

  const embedded = database.dialect === 'sqlite'
  let sessionSecret = raw.SESSION_SECRET
  if (!sessionSecret) {
    // Nodes behind a load balancer must share one secret, so only a single embedded
    // process may invent its own.
    if (!embedded) {
      throw new ConfigError(
        'SESSION_SECRET is required when DATABASE_URL is set (every node must share it; at least 32 characters)',
      )
    }
    sessionSecret = embeddedSessionSecret(dataDir)
  }

  const config: Config = {
    env: raw.NODE_ENV,
    port: raw.PORT,
    host: raw.HOST,
    baseUrl,
    embedded,
    dataDir,
    tmpDir: raw.TMP_DIR ? path.resolve(projectRoot, raw.TMP_DIR) : path.join(dataDir, 'tmp'),
    backupDir: path.resolve(projectRoot, raw.BACKUP_DIR),
    database,
    replicas: {
      urls: parseReplicaUrls(raw.DATABASE_REPLICA_URLS, database),
      maxLagSeconds: raw.REPLICA_MAX_LAG_SECONDS,
    },
    redisUrl: raw.REDIS_URL,
    redisPrefix: raw.REDIS_PREFIX,
    s3,
    postmarkToken: raw.POSTMARK_TOKEN,
    postmarkApiUrl: raw.POSTMARK_API_URL,
    mailFrom: raw.MAIL_FROM,
    sentryDsn: raw.SENTRY_DSN,
    ffmpegPath: raw.FFMPEG_PATH,
    ffprobePath: raw.FFPROBE_PATH,
    queueAlarmSeconds: raw.QUEUE_ALARM_SECONDS,
    sessionSecret,
    trustProxy,
    logLevel: raw.LOG_LEVEL,
    rateLimits: {
      signIn: parseRateLimit(raw.RATE_LIMIT_SIGN_IN),
      createAccount: parseRateLimit(raw.RATE_LIMIT_CREATE_ACCOUNT),
      forgotPassword: parseRateLimit(raw.RATE_LIMIT_FORGOT_PASSWORD),
      upload: parseRateLimit(raw.RATE_LIMIT_UPLOAD),
      report: parseRateLimit(raw.RATE_LIMIT_REPORT),
      api: parseRateLimit(raw.RATE_LIMIT_API),
    },
    writeLimits: Object.fromEntries(
      writeActions.map((action) => [
        action,
        (raw[writeLimitDefaults[action][0] as `RATE_LIMIT_${string}`] as string)
          .split(',')
          .map(parseRateLimit),
      ]),
    ) as Record<WriteAction, RateLimit[]>,
    signInThrottle: {
      freeFailures: raw.SIGN_IN_FREE_FAILURES,
      lockAfter: Math.max(raw.SIGN_IN_LOCK_AFTER, raw.SIGN_IN_FREE_FAILURES + 1),
      lockSeconds: raw.SIGN_IN_LOCK_SECONDS,
      maxPauseSeconds: 60,
      windowSeconds: 24 * 3600,
    },
    metrics: {
      allow: parseCidrs('METRICS_ALLOW', raw.METRICS_ALLOW),
      token: raw.METRICS_TOKEN,
      workerPort: raw.WORKER_METRICS_PORT,
    },
    filesBaseUrl: raw.FILES_BASE_URL ? parseBaseUrl(raw.FILES_BASE_URL, 'FILES_BASE_URL') : baseUrl,
    images: {
      maxBytes: raw.UPLOAD_MAX_BYTES,
      maxSide: raw.IMAGE_MAX_SIDE,
      maxPixels: raw.IMAGE_MAX_PIXELS,
      maxFrames: raw.IMAGE_MAX_FRAMES,
      maxTotalPixels: raw.IMAGE_MAX_TOTAL_PIXELS,
      heifDecoder: {
        path: raw.HEIF_DECODER_PATH,
        timeoutMs: raw.HEIF_DECODER_TIMEOUT_SECONDS * 1000,
      },
    },
    videos: { maxBytes: raw.VIDEO_MAX_BYTES, maxSeconds: raw.VIDEO_MAX_SECONDS },
    monthlyUploadQuota: raw.UPLOAD_MONTHLY_QUOTA_BYTES,
    magicThreshold: raw.MAGIC_THRESHOLD,
    jobLockSeconds: raw.JOB_LOCK_SECONDS,
    fanOut: { chunk: raw.FAN_OUT_CHUNK, rowsPerSecond: raw.FAN_OUT_ROWS_PER_SECOND },
    outboxRecheckSeconds: raw.OUTBOX_RECHECK_SECONDS,
    drainSeconds: raw.DRAIN_SECONDS,
    // Production reuses visitors' pages for a few seconds; development and tests see every change.
    pageCacheSeconds: raw.PAGE_CACHE_SECONDS ?? (raw.NODE_ENV === 'production' ? 5 : 0),
    suggestionsCacheSeconds:
      raw.SUGGESTIONS_CACHE_SECONDS ?? (raw.NODE_ENV === 'production' ? 60 : 0),
    xAccelLocalFiles: raw.X_ACCEL_LOCAL_FILES,
    viewLogFile: raw.VIEW_LOG_FILE ? path.resolve(projectRoot, raw.VIEW_LOG_FILE) : undefined,
    urlFetch: {
      allowed: parseCidrs('URL_FETCH_ALLOWED_ADDRESSES', raw.URL_FETCH_ALLOWED_ADDRESSES),
      timeoutSeconds: raw.URL_FETCH_TIMEOUT_SECONDS,
    },
    videoOembedEndpoints: parseOembedEndpoints(raw.VIDEO_OEMBED_ENDPOINTS),
  }
  return deepFreeze(config)
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
export interface NodePoolConfig {
  /** A UNIX socket path or HOST:PORT (haproxy.cfg's `stats socket ... level admin`). */
  adminSocket: string
  backend: string
  /** HAProxy's check interval for the nodes (CHECK_INTERVAL in haproxy.cfg), in ms. */
  checkIntervalMs: number
  drainTimeoutMs: number
  readyTimeoutMs: number
  /** A shell command that restarts one node ($NODE_NAME, $NODE_ADDRESS); rolling deploys only. */
  restartCommand: string | undefined
}

const nodePoolSchema = {
  type: 'object',
  properties: {
    HAPROXY_ADMIN_SOCKET: { type: 'string', minLength: 1, default: '/run/haproxy/admin.sock' },
    HAPROXY_BACKEND: { type: 'string', pattern: '^[A-Za-z0-9_.-]+$', default: 'nodes' },
    CHECK_INTERVAL: { type: 'string', pattern: '^[0-9]+(ms|s)?$', default: '2s' },
    NODE_DRAIN_TIMEOUT_SECONDS: { type: 'integer', minimum: 1, maximum: 3600, default: 60 },
    NODE_READY_TIMEOUT_SECONDS: { type: 'integer', minimum: 1, maximum: 3600, default: 60 },
    DEPLOY_RESTART_COMMAND: { type: 'string', minLength: 1 },
  },
} as const

export function loadNodePoolConfig(
  source: Record<string, string | undefined> = process.env,
): Readonly<NodePoolConfig> {
  const data = Object.fromEntries(
    Object.entries(source).filter(([, v]) => v !== undefined && v !== ''),
  )
  let raw: {
    HAPROXY_ADMIN_SOCKET: string
    HAPROXY_BACKEND: string
    CHECK_INTERVAL: string
    NODE_DRAIN_TIMEOUT_SECONDS: number
    NODE_READY_TIMEOUT_SECONDS: number
    DEPLOY_RESTART_COMMAND?: string
  }
  try {
    raw = envSchema({ schema: nodePoolSchema, data, env: false, dotenv: false })
  } catch (error) {
    throw new ConfigError(
      `Invalid configuration: ${(error as Error).message.replaceAll('env/', '')}`,
    )
  }
  // HAProxy's time format: a bare number is milliseconds.
  const [, amount, unit] = /^([0-9]+)(ms|s)?$/.exec(raw.CHECK_INTERVAL) as RegExpExecArray
  return Object.freeze({
    adminSocket: raw.HAPROXY_ADMIN_SOCKET,
    backend: raw.HAPROXY_BACKEND,
    checkIntervalMs: Number(amount) * (unit === 's' ? 1000 : 1),
    drainTimeoutMs: raw.NODE_DRAIN_TIMEOUT_SECONDS * 1000,
    readyTimeoutMs: raw.NODE_READY_TIMEOUT_SECONDS * 1000,
    restartCommand: raw.DEPLOY_RESTART_COMMAND,
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
