// A short message in the page's live region: screen readers announce it, everyone sees it.
// The region stays in the page (an empty one is merely transparent), so changes are announced.
let timer

export function toast(text, kind = 'info') {
  const box = document.querySelector('.toast')
  if (!box) return
  box.textContent = text
  box.dataset.kind = kind
  clearTimeout(timer)
  timer = setTimeout(() => {
    box.textContent = ''
  }, 4000)
}
