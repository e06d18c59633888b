// "Load more" on streams: the next page (the same keyset /before/KEY link as without scripts)
// is fetched as a fragment and its posts are added below, with the link moved on and the
// address set to the page loaded.
import { fetchFragment } from './http.js'
import { toast } from './toast.js'

export function enhanceLoadMore() {
  for (const pager of document.querySelectorAll('nav.pager')) {
    const older = pager.querySelector('a[rel="next"]')
    if (!older || !pager.parentElement.querySelector('.post-card')) continue
    const button = document.createElement('button')
    button.type = 'button'
    button.className = 'button secondary load-more'
    button.textContent = 'Load more'
    pager.append(button)
    older.hidden = true
    button.addEventListener('click', () => loadMore(pager, button))
  }
}

async function loadMore(pager, button) {
  const older = pager.querySelector('a[rel="next"]')
  if (!older || button.getAttribute('aria-busy')) return
  button.setAttribute('aria-busy', 'true')
  button.textContent = 'Loading…'
  let page
  try {
    page = await fetchFragment(older.href)
  } catch {
    toast('More posts could not be loaded. Try again.', 'error')
    return
  } finally {
    button.removeAttribute('aria-busy')
    button.textContent = 'Load more'
  }
  const cards = [...page.querySelectorAll('.post-card')]
  const first = cards[0]
  pager.before(...cards.map((card) => document.adoptNode(card)))
  // The address becomes the page just loaded (its keyset link, as without scripts): a reload,
  // or coming back from a post, opens the stream where the reader was, not at its top.
  history.replaceState(history.state, '', older.getAttribute('href'))
  const next = page.querySelector('nav.pager a[rel="next"]')
  if (next) {
    older.href = next.getAttribute('href')
  } else {
    older.remove()
    button.remove()
  }
  // Keyboard users carry on from the first new post.
  first?.focus({ preventScroll: true })
  toast(`${cards.length} more ${cards.length === 1 ? 'post' : 'posts'} loaded.`)
}
