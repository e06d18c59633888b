// Talking to the site from scripts: the same forms and addresses as without scripts, asking
// for JSON (actions) or for a page's main content alone (X-Fragment).

/**
 * Sends a form as a browser would (urlencoded, with its CSRF field) and asks for JSON.
 * Resolves to { ok, status, body }; a network failure reads as status 0.
 */
export async function sendForm(form, extra = {}) {
  const data = new URLSearchParams(new FormData(form))
  for (const [name, value] of Object.entries(extra)) data.set(name, value)
  return postJson(form.action, data)
}

export async function postJson(url, body) {
  try {
    const response = await fetch(url, {
      method: 'POST',
      body,
      headers: { accept: 'application/json' },
      credentials: 'same-origin',
    })
    const type = response.headers.get('content-type') ?? ''
    const json = type.includes('application/json') ? await response.json() : {}
    return { ok: response.ok, status: response.status, body: json }
  } catch {
    return { ok: false, status: 0, body: { error: 'The site could not be reached. Try again.' } }
  }
}

/** A page's main content, parsed: for "load more" and for refreshing part of a page. */
export async function fetchFragment(url) {
  const response = await fetch(url, {
    headers: { accept: 'text/html', 'x-fragment': '1' },
    credentials: 'same-origin',
  })
  if (!response.ok) throw new Error(`${url} answered ${response.status}`)
  const html = await response.text()
  return new DOMParser().parseFromString(html, 'text/html')
}

/** The message to show for a failed answer. */
export function errorText(result) {
  return result.body?.error ?? 'That did not work. Please try again.'
}
