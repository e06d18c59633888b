// Keyboard shortcuts on streams: j and k move to the next and previous post, l likes (or
// unlikes) the post in view. Typing in a field, or with a modifier key, is left alone.
import { runAction } from './actions.js'

const cards = () => [...document.querySelectorAll('.post-card[data-post]')]

function typing(target) {
  return (
    target instanceof HTMLElement &&
    (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName))
  )
}

/** The post the reader is at: the focused one, or else the first one whose top is on screen. */
function current() {
  const focused = document.activeElement?.closest?.('.post-card[data-post]')
  if (focused) return focused
  return cards().find((card) => card.getBoundingClientRect().bottom > 80)
}

function move(step) {
  const all = cards()
  if (!all.length) return
  const at = all.indexOf(current())
  const target = at === -1 ? all[0] : all[Math.min(all.length - 1, Math.max(0, at + step))]
  target.focus({ preventScroll: true })
  target.scrollIntoView({ block: 'start', behavior: 'smooth' })
}

export function enhanceKeyboard() {
  if (!cards().length) return
  document.addEventListener('keydown', (event) => {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return
    if (typing(event.target)) return
    if (event.key === 'j') move(1)
    else if (event.key === 'k') move(-1)
    else if (event.key === 'l') {
      const form = current()?.querySelector('form[data-action="like"]')
      if (form) runAction(form)
    } else return
    event.preventDefault()
  })
}
