// Video-link posts show our copy of the video's picture with a play button (a link to the video
// on its site). Pressing it puts the player in its place: only then does the reader's browser
// ask YouTube or Vimeo for anything. The player's address was built by the server from the
// video's id; it is checked against the two player origins again here (the CSP's frame-src).
const playerOrigins = ['https://www.youtube-nocookie.com', 'https://player.vimeo.com']

function playerFor(facade) {
  const src = facade.dataset.player ?? ''
  let url
  try {
    url = new URL(src)
  } catch {
    return undefined
  }
  if (!playerOrigins.includes(url.origin)) return undefined
  url.searchParams.set('autoplay', '1')
  const image = facade.querySelector('img')
  const iframe = document.createElement('iframe')
  iframe.className = 'video-link-player'
  iframe.src = url.toString()
  iframe.title = facade.dataset.playerTitle || 'Video'
  iframe.allow = 'autoplay; encrypted-media; picture-in-picture; fullscreen'
  iframe.allowFullscreen = true
  iframe.referrerPolicy = 'strict-origin-when-cross-origin'
  iframe.setAttribute('sandbox', 'allow-scripts allow-same-origin allow-popups allow-presentation')
  const width = Number(image?.getAttribute('width')) || 550
  const height = Number(image?.getAttribute('height')) || 309
  iframe.width = String(width)
  iframe.height = String(height)
  iframe.style.aspectRatio = `${width} / ${height}`
  return iframe
}

export function enhanceVideoLinks() {
  // On the document: cards that "Load more" adds later play the same way.
  document.addEventListener('click', (event) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey)
      return
    const facade = event.target instanceof Element && event.target.closest('a[data-player]')
    if (!facade) return
    const iframe = playerFor(facade)
    if (!iframe) return
    event.preventDefault()
    facade.replaceWith(iframe)
    iframe.focus()
  })
}
