// Forms marked data-action are sent without leaving the page; the page is updated from the
// answer. Without scripts the same forms post and redirect back.
import { errorText, fetchFragment, sendForm } from './http.js'
import { toast } from './toast.js'

const plural = (count, one, many) => `${count} ${count === 1 ? one : many}`

/** Swaps /like for /unlike (or back) at the end of a form's address. */
function retarget(form, from, to) {
  form.action = form.action.replace(new RegExp(`/${from}$`), `/${to}`)
}

async function like(form) {
  const result = await sendForm(form)
  if (!result.ok) return toast(errorText(result), 'error')
  const { liked, like_count: count } = result.body
  retarget(form, liked ? 'like' : 'unlike', liked ? 'unlike' : 'like')
  const button = form.querySelector('button')
  button.setAttribute('aria-pressed', String(liked))
  const counter = form.closest('[data-post]')?.querySelector('[data-like-count]')
  if (counter) counter.textContent = plural(count, 'like', 'likes')
}

async function save(form) {
  const result = await sendForm(form)
  if (!result.ok) return toast(errorText(result), 'error')
  const { created, save_count: count } = result.body
  const counter = form.closest('[data-post]')?.querySelector('[data-save-count]')
  if (counter) counter.textContent = plural(count, 'save', 'saves')
  const select = form.querySelector('select')
  const where = select ? select.selectedOptions[0].textContent : 'your shake'
  toast(created ? `Saved to ${where}.` : `You had already saved this to ${where}.`)
}

/** Re-reads the comment list from the server, so new comments look as they do after a reload. */
async function refreshComments() {
  const page = await fetchFragment(location.pathname)
  const fresh = page.querySelector('.comments')
  const current = document.querySelector('.comments')
  if (fresh && current) current.replaceWith(fresh)
}

async function comment(form) {
  const error = form.querySelector('[data-error]')
  const result = await sendForm(form)
  if (!result.ok) {
    error.textContent = result.body?.fields?.body ?? errorText(result)
    error.hidden = false
    return
  }
  error.hidden = true
  form.reset()
  await refreshComments()
  document.getElementById(`comment-${result.body.id}`)?.classList.add('just-added')
  toast('Your comment is posted.')
}

async function deleteComment(form) {
  const result = await sendForm(form)
  if (!result.ok) return toast(errorText(result), 'error')
  const list = form.closest('.comments')
  form.closest('.comment')?.remove()
  if (list && !list.querySelector('.comment')) {
    const empty = document.createElement('li')
    empty.className = 'empty'
    empty.textContent = 'No comments yet.'
    list.append(empty)
  }
  toast('The comment is deleted.')
}

async function follow(form) {
  const result = await sendForm(form)
  if (!result.ok) return toast(errorText(result), 'error')
  const { following } = result.body
  retarget(form, following ? 'subscribe' : 'unsubscribe', following ? 'unsubscribe' : 'subscribe')
  const button = form.querySelector('button')
  button.textContent = following ? 'Unfollow' : 'Follow'
  // Following is the quiet state; the call to follow is the loud one.
  button.classList.toggle('secondary', following)
  toast(following ? 'You follow this now.' : 'You no longer follow this.')
}

async function clearNotifications(form) {
  const result = await sendForm(form)
  if (!result.ok) return toast(errorText(result), 'error')
  const box = form.parentElement
  for (const list of box.querySelectorAll('.notifications')) list.remove()
  for (const extra of box.querySelectorAll('.notifications-more')) extra.remove()
  const empty = document.createElement('p')
  empty.className = 'empty'
  empty.textContent = 'Nothing new.'
  form.replaceWith(empty)
  toast('Notifications cleared.')
}

const handlers = {
  like,
  save,
  comment,
  'delete-comment': deleteComment,
  follow,
  'clear-notifications': clearNotifications,
}

/** Runs a form's action as the submit button would, once at a time. */
export async function runAction(form) {
  const handler = handlers[form.dataset.action]
  if (!handler || form.dataset.busy) return
  // Marked busy rather than disabled: a disabled button would drop the keyboard focus.
  form.dataset.busy = '1'
  form.setAttribute('aria-busy', 'true')
  try {
    await handler(form)
  } finally {
    delete form.dataset.busy
    form.removeAttribute('aria-busy')
  }
}

export function enhanceActions() {
  document.addEventListener('submit', (event) => {
    const form = event.target
    if (!(form instanceof HTMLFormElement) || !handlers[form.dataset.action]) return
    event.preventDefault()
    runAction(form)
  })
}
