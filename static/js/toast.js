// A short message in the page's live region: screen readers announce it, everyone sees it.
let timer

export function toast(text, kind = 'info') {
  const box = document.querySelector('.toast')
  if (!box) return
  box.textContent = text
  box.dataset.kind = kind
  box.hidden = false
  clearTimeout(timer)
  timer = setTimeout(() => {
    box.hidden = true
  }, 4000)
}
