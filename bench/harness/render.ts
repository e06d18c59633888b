// Render alone: the post page's template with its data already in memory, against
// JSON.stringify of the same data, in a process of its own (pinned by the harness), rendered
// the way reply.page() renders. Prints one JSON line. The environment is the app's
// (production: templates cached and warmed).
//
//   node dist/bench/harness/render.js KEY
import { createServer } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import { presentPost } from '../../src/routes/post-presentation.js'

const RENDERS = 2000
const key = process.argv[2] as string
const app = await createServer(loadConfig(process.env))
await app.ready()
const post = await app.posts.find(key)
if (!post) throw new Error(`no post ${key}`)
const [comments, tags] = await Promise.all([app.comments.list(post.id), app.posts.tagsOf(post)])
const context = {
  post: presentPost(post, ''),
  tags,
  liked: false,
  comments: comments.map((c) => ({ ...c, canDelete: false })),
  isOwner: false,
  values: { title: post.title, description: post.description, alt_text: post.altText },
  errors: {},
  currentUser: null,
  flashes: [],
  csrfToken: () => 'a-token-of-the-usual-length-0123456789',
  requestId: '00000000-0000-0000-0000-000000000000',
  baseUrl: app.config.baseUrl,
  showNsfw: false,
  path: `/p/${key}`,
}

async function timePerCall(work: () => unknown): Promise<number> {
  for (let i = 0; i < RENDERS / 10; i++) await work()
  const started = process.hrtime.bigint()
  for (let i = 0; i < RENDERS; i++) await work()
  return Number(process.hrtime.bigint() - started) / RENDERS / 1000
}

let html = ''
const renderUs = await timePerCall(async () => {
  html = app.renderTemplate('pages/post.njk', context)
})
const stringifyUs = await timePerCall(() => JSON.stringify(context))
console.log(
  JSON.stringify({
    renderUs,
    stringifyUs,
    htmlBytes: Buffer.byteLength(html),
    comments: comments.length,
  }),
)
await app.close()
