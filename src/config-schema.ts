// Every environment variable the app reads, declared once: its name, type, default, limits and
// meaning. env-schema validates the environment against these schemas (coercing numbers and
// booleans, filling defaults), and their Static types are what src/config.ts reads, so a
// variable added here is typed everywhere and one missing here cannot be read.
// .env.example is the operator's annotated copy; test/unit/config.test.ts keeps the two in step.
import { type Static, Type } from 'typebox'

const optionalString = (description: string, options: { minLength?: number } = {}) =>
  Type.Optional(Type.String({ description, ...options }))
const httpUrl = (description: string) =>
  Type.Optional(Type.String({ pattern: '^https?://', description }))
const rateLimit = (fallback: string, description: string) =>
  Type.String({ pattern: '^[0-9]+/[0-9]+$', default: fallback, description })
const writeLimit = (fallback: string, description: string) =>
  Type.String({
    pattern: '^[0-9]+/[0-9]+(,[0-9]+/[0-9]+)*$',
    default: fallback,
    description: `${description}: windows of writes/seconds, comma-separated (a burst, then a sustained rate)`,
  })

export const appEnvironment = Type.Object({
  // Web server
  NODE_ENV: Type.Enum(['development', 'production', 'test'], {
    default: 'development',
    description: 'production caches templates and pages',
  }),
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000 }),
  HOST: Type.String({ minLength: 1, default: 'localhost', description: '0.0.0.0 in containers' }),
  BASE_URL: optionalString(
    'the public address, used in mail links; default http://localhost:PORT; https:// needs TRUST_PROXY',
  ),
  TRUST_PROXY: optionalString(
    'addresses/CIDRs of the proxies in front; never "true" (clients could forge their address)',
  ),
  LOG_LEVEL: Type.Enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
    default: 'info',
  }),
  DRAIN_SECONDS: Type.Integer({
    minimum: 0,
    maximum: 300,
    default: 0,
    description: 'on SIGTERM, how long the health check answers 404 before the server closes',
  }),
  PAGE_CACHE_SECONDS: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: 60,
      description: 'how long a visitor page is reused; default 5 in production, 0 (off) otherwise',
    }),
  ),
  SESSION_CACHE_SECONDS: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: 60,
      description:
        "how long a node reuses a member's session and account as read (only with REDIS_URL); every change drops them on every node before it is answered; default 10 in production, 0 (off) otherwise",
    }),
  ),
  SUGGESTIONS_CACHE_SECONDS: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: 3600,
      description:
        'how long the people and shakes suggested to new members are reused; default 60 in production, 0 otherwise',
    }),
  ),

  // Storage
  DATA_DIR: Type.String({
    minLength: 1,
    default: 'data',
    description: 'SQLite file, local files, mail outbox, generated session secret',
  }),
  TMP_DIR: optionalString('private folder for uploads in flight; default DATA_DIR/tmp', {
    minLength: 1,
  }),
  BACKUP_DIR: Type.String({
    minLength: 1,
    default: 'backups',
    description: 'where `npm run backup` writes unless given a folder',
  }),
  DATABASE_URL: optionalString(
    'unset: SQLite at DATA_DIR/mlkshk.sqlite; mysql://… for production; sqlite:FILE for another SQLite file',
  ),
  DATABASE_REPLICA_URLS: optionalString(
    'mysql:// replicas of DATABASE_URL, comma-separated: page and API reads go to a fit one',
  ),
  REPLICA_MAX_LAG_SECONDS: Type.Number({
    minimum: 0.5,
    maximum: 3600,
    default: 5,
    description: 'a replica further behind (or not replicating) takes no reads',
  }),

  // Sessions
  SESSION_SECRET: Type.Optional(
    Type.String({
      minLength: 32,
      description:
        'required with a mysql:// DATABASE_URL (every node shares it); SQLite generates one in DATA_DIR/session-secret',
    }),
  ),

  // Queue and shared rate limits
  REDIS_URL: Type.Optional(
    Type.String({
      pattern: '^rediss?://',
      description:
        'jobs go through BullMQ to `npm run worker` and rate limits are shared in Redis; unset: the web process runs jobs itself',
    }),
  ),
  REDIS_PREFIX: Type.String({
    pattern: '^[A-Za-z0-9_-]{1,40}$',
    default: 'mlkshk',
    description: 'namespace of every key this site keeps in Redis (queues, rate limits)',
  }),
  JOB_LOCK_SECONDS: Type.Integer({
    minimum: 1,
    maximum: 3600,
    default: 30,
    description: 'how long a worker holds a job before others may take it up as stalled',
  }),
  FAN_OUT_CHUNK: Type.Integer({
    minimum: 1,
    maximum: 50000,
    default: 2000,
    description: 'followers whose timelines one fan-out statement writes',
  }),
  FAN_OUT_ROWS_PER_SECOND: Type.Integer({
    minimum: 0,
    default: 0,
    description: 'ceiling on fan-out timeline rows written per second (0: none)',
  }),
  OUTBOX_RECHECK_SECONDS: Type.Integer({
    minimum: 1,
    maximum: 3600,
    default: 60,
    description:
      'a row handed to the queue this long ago whose job the queue no longer has is sent again',
  }),
  QUEUE_ALARM_SECONDS: Type.Number({
    minimum: 1,
    maximum: 86400,
    default: 300,
    description:
      'alarm when a queue’s oldest waiting job, or the oldest unfinished outbox row, is older than this',
  }),
  RATE_LIMIT_SIGN_IN: rateLimit('25/300', 'sign-in attempts/seconds, per client address'),
  RATE_LIMIT_CREATE_ACCOUNT: rateLimit('5/1800', 'sign-ups/seconds, per client address'),
  RATE_LIMIT_FORGOT_PASSWORD: rateLimit('5/1800', 'reset mails/seconds, per client address'),
  RATE_LIMIT_UPLOAD: rateLimit('30/1800', 'uploads/seconds, per signed-in user'),
  RATE_LIMIT_REPORT: rateLimit('20/3600', 'reports/seconds, per signed-in user'),
  RATE_LIMIT_API: rateLimit('150/3600', 'API calls/seconds, per access token'),
  SIGN_IN_FREE_FAILURES: Type.Integer({
    minimum: 1,
    maximum: 100,
    default: 5,
    description: 'wrong passwords in a row without any pause',
  }),
  SIGN_IN_LOCK_AFTER: Type.Integer({
    minimum: 2,
    maximum: 1000,
    default: 20,
    description:
      'wrong passwords in a row that lock the account (at least SIGN_IN_FREE_FAILURES + 1)',
  }),
  SIGN_IN_LOCK_SECONDS: Type.Integer({ minimum: 1, maximum: 86400, default: 900 }),
  RATE_LIMIT_COMMENT: writeLimit('10/60,100/3600', 'comments per user'),
  RATE_LIMIT_LIKE: writeLimit(
    '60/60,600/3600',
    'likes and unlikes of posts and comments, per user',
  ),
  RATE_LIMIT_SAVE: writeLimit('20/60,200/3600', 'saves per user'),
  RATE_LIMIT_FOLLOW: writeLimit(
    '30/60,300/3600',
    'follows and unfollows of people and shakes, per user',
  ),
  RATE_LIMIT_CREATE_SHAKE: writeLimit('4/60,10/3600', 'new shakes per user'),
  RATE_LIMIT_INVITE: writeLimit('20/60,100/3600', 'invitations and requests to join, per user'),
  RATE_LIMIT_API_WRITE: writeLimit(
    '30/60,500/3600',
    'API POSTs per user, on top of RATE_LIMIT_API',
  ),

  // Uploads and images
  UPLOAD_MAX_BYTES: Type.Integer({
    minimum: 1024,
    default: 20 * 1024 * 1024,
    description: 'largest image upload (nginx client_max_body_size should match)',
  }),
  UPLOAD_MONTHLY_QUOTA_BYTES: Type.Integer({
    minimum: 0,
    default: 2 * 1024 * 1024 * 1024,
    description: 'bytes a user may upload per calendar month (UTC); 0: no quota',
  }),
  VIDEO_MAX_BYTES: Type.Integer({
    minimum: 1024,
    default: 50 * 1024 * 1024,
    description: 'largest MP4 or WebM upload',
  }),
  VIDEO_MAX_SECONDS: Type.Integer({
    minimum: 1,
    maximum: 600,
    default: 60,
    description: 'longest video accepted',
  }),
  IMAGE_MAX_SIDE: Type.Integer({
    minimum: 16,
    default: 16384,
    description: 'widest or tallest frame, in pixels',
  }),
  IMAGE_MAX_PIXELS: Type.Integer({
    minimum: 256,
    default: 50_000_000,
    description: 'width × height of one frame',
  }),
  IMAGE_MAX_FRAMES: Type.Integer({
    minimum: 1,
    default: 1000,
    description: 'frames of an animation',
  }),
  IMAGE_MAX_TOTAL_PIXELS: Type.Integer({
    minimum: 256,
    default: 200_000_000,
    description: 'width × height × frames of an animation',
  }),
  HEIF_DECODER_PATH: Type.String({
    minLength: 1,
    default: 'heif-convert',
    description: 'the outside program that decodes HEIC (HEVC) photos, which sharp cannot',
  }),
  HEIF_DECODER_TIMEOUT_SECONDS: Type.Integer({
    minimum: 1,
    maximum: 600,
    default: 60,
    description: 'a HEIC decode running longer is killed and the upload refused',
  }),
  URL_FETCH_ALLOWED_ADDRESSES: optionalString(
    'CIDRs exempted from the private-address block when posting from a URL',
  ),
  URL_FETCH_TIMEOUT_SECONDS: Type.Integer({ minimum: 1, maximum: 300, default: 20 }),
  VIDEO_OEMBED_ENDPOINTS: optionalString(
    'JSON object, provider -> oEmbed endpoint URL, over the defaults',
  ),
  FILES_BASE_URL: optionalString('a separate host for raw files (/r/…); default BASE_URL'),
  X_ACCEL_LOCAL_FILES: Type.Boolean({
    default: false,
    description: 'local files are sent by nginx (X-Accel-Redirect to its /_local/ alias)',
  }),
  VIEW_LOG_FILE: optionalString(
    'nginx’s log of raw-file views that this process adds up into view counts',
    { minLength: 1 },
  ),

  // Social
  MAGIC_THRESHOLD: Type.Integer({
    minimum: 1,
    default: 10,
    description: 'likes that make a post "magic" (best of)',
  }),

  // Files on S3
  S3_BUCKET: optionalString('unset: files under DATA_DIR/files, served by the app', {
    minLength: 3,
  }),
  S3_ENDPOINT: httpUrl('an S3-compatible server; unset for AWS itself'),
  S3_REGION: Type.String({ default: 'us-east-1' }),
  S3_ACCESS_KEY_ID: optionalString('S3 credentials'),
  S3_SECRET_ACCESS_KEY: optionalString('S3 credentials'),
  S3_FORCE_PATH_STYLE: Type.Boolean({
    default: false,
    description: 'true for most S3-compatible servers',
  }),

  // Mail
  POSTMARK_TOKEN: optionalString('unset: mail is written to DATA_DIR/mail and the log', {
    minLength: 1,
  }),
  POSTMARK_API_URL: httpUrl('only for tests and Postmark-compatible relays'),
  MAIL_FROM: Type.String({ minLength: 3, default: 'MLKSHK <hello@localhost>' }),

  // Errors and outside programs
  SENTRY_DSN: httpUrl('where error reports and queue alarms go; unset: logs only'),
  FFMPEG_PATH: Type.String({
    minLength: 1,
    default: 'ffmpeg',
    description: 'makes MP4 videos of animated GIFs and uploaded videos',
  }),
  FFPROBE_PATH: Type.String({
    minLength: 1,
    default: 'ffprobe',
    description: 'reads video uploads before anything else touches them',
  }),

  // Metrics
  METRICS_ALLOW: Type.String({
    default: '127.0.0.0/8,::1',
    description: 'addresses and CIDRs that may read /metrics without a token (never via a proxy)',
  }),
  METRICS_TOKEN: optionalString('`Authorization: Bearer <token>` lets a scraper in from anywhere', {
    minLength: 16,
  }),
  WORKER_METRICS_PORT: Type.Integer({
    minimum: 0,
    maximum: 65535,
    default: 0,
    description: 'the worker’s /metrics port; 0: none',
  }),
})

/** The app's environment once validated: defaults filled, numbers and booleans coerced. */
export type AppEnvironment = Static<typeof appEnvironment>

/** What `npm run nodes` and `npm run deploy:rolling` read: where HAProxy's runtime API is. */
export const nodePoolEnvironment = Type.Object({
  HAPROXY_ADMIN_SOCKET: Type.String({
    minLength: 1,
    default: '/run/haproxy/admin.sock',
    description: "a UNIX socket path or HOST:PORT (haproxy.cfg's `stats socket ... level admin`)",
  }),
  HAPROXY_BACKEND: Type.String({
    pattern: '^[A-Za-z0-9_.-]+$',
    default: 'nodes',
    description: 'the backend whose servers are the nodes',
  }),
  CHECK_INTERVAL: Type.String({
    pattern: '^[0-9]+(ms|s)?$',
    default: '2s',
    description: "HAProxy's health-check interval (haproxy.cfg reads the same name)",
  }),
  NODE_DRAIN_TIMEOUT_SECONDS: Type.Integer({ minimum: 1, maximum: 3600, default: 60 }),
  NODE_READY_TIMEOUT_SECONDS: Type.Integer({ minimum: 1, maximum: 3600, default: 60 }),
  DEPLOY_RESTART_COMMAND: optionalString(
    'a shell command that restarts one node ($NODE_NAME, $NODE_ADDRESS); rolling deploys only',
    { minLength: 1 },
  ),
})
