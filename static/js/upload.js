// The posting form, enhanced: drop an image or a short video on it, paste one, or pick a file;
// see a preview (or its name and size, when this browser cannot show it: HEIC in most); watch
// the upload's progress; read any refusal next to the form with everything still typed.
// Without scripts the same form posts to /upload and the server shows it again on errors.

/** Whether the file matches the input's accept list, by type or by extension. */
function acceptedBy(input, file) {
  const accepted = input.accept.split(',').map((entry) => entry.trim().toLowerCase())
  const extension = /\.[^.]+$/.exec(file.name.toLowerCase())?.[0]
  return accepted.includes(file.type.toLowerCase()) || (!!extension && accepted.includes(extension))
}

function formatSize(bytes) {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MB`
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`
  return `${bytes} bytes`
}

export function enhanceUpload() {
  const form = document.getElementById('upload-form')
  if (!form) return
  const input = form.querySelector('input[type="file"]')
  const zone = form.querySelector('[data-drop-zone]')
  // Made here rather than in the page: an <img> with no picture yet is not valid HTML.
  const preview = document.createElement('img')
  preview.className = 'preview'
  preview.alt = ''
  preview.hidden = true
  preview.dataset.preview = ''
  form.querySelector('.drop-target').prepend(preview)
  const videoPreview = form.querySelector('[data-video-preview]')
  const filePreview = form.querySelector('[data-file-preview]')
  const dropText = form.querySelector('[data-drop-text]')
  const altText = form.querySelector('[name="alt_text"]')
  const nudge = form.querySelector('[data-alt-nudge]')
  const progressBox = form.querySelector('[data-progress]')
  const progress = progressBox.querySelector('progress')
  const formError = document.querySelector('[data-form-error]')
  let previewUrl

  const notAccepted =
    'That file is not an image or video this site accepts: choose a JPEG, PNG, GIF, WebP, HEIC or AVIF image, or an MP4, MOV or WebM video.'

  zone.classList.add('enhanced')

  function hidePreviews() {
    preview.hidden = true
    preview.removeAttribute('src')
    videoPreview.hidden = true
    videoPreview.removeAttribute('src')
    filePreview.hidden = true
  }

  /** The file's name and size: what is shown when the browser cannot draw the file itself. */
  function showFileName(file) {
    hidePreviews()
    filePreview.textContent = `${file.name} (${formatSize(file.size)})`
    filePreview.hidden = false
  }

  function showPreview() {
    const file = input.files[0]
    if (previewUrl) URL.revokeObjectURL(previewUrl)
    previewUrl = undefined
    hidePreviews()
    if (!file) {
      dropText.hidden = false
      return
    }
    dropText.hidden = true
    if (!acceptedBy(input, file)) {
      input.value = ''
      dropText.hidden = false
      showErrors({ file: notAccepted })
      return
    }
    clearError('file')
    // Name and size at once; the picture replaces them only once it has really loaded, so a
    // file the browser cannot decode never shows as a broken image.
    showFileName(file)
    const url = URL.createObjectURL(file)
    previewUrl = url
    const shown = file.type.startsWith('video/') ? videoPreview : preview
    const loaded = shown === preview ? 'load' : 'loadeddata'
    shown.addEventListener(
      loaded,
      () => {
        if (previewUrl !== url) return
        filePreview.hidden = true
        shown.hidden = false
      },
      { once: true },
    )
    if (shown === preview) preview.alt = `Preview of ${file.name}`
    else videoPreview.setAttribute('aria-label', `Preview of ${file.name}`)
    shown.src = url
  }

  /** Puts dropped or pasted files into the file field, as if picked. */
  function takeFiles(files) {
    const image = [...files].find((file) => acceptedBy(input, file))
    if (!image) {
      showErrors({ file: notAccepted })
      return
    }
    const transfer = new DataTransfer()
    transfer.items.add(image)
    input.files = transfer.files
    showPreview()
  }

  input.addEventListener('change', showPreview)
  // The whole form takes drops; the image box shows that it will.
  for (const name of ['dragenter', 'dragover']) {
    form.addEventListener(name, (event) => {
      event.preventDefault()
      zone.classList.add('dragging')
    })
  }
  for (const name of ['dragleave', 'drop']) {
    form.addEventListener(name, () => zone.classList.remove('dragging'))
  }
  form.addEventListener('drop', (event) => {
    event.preventDefault()
    if (event.dataTransfer?.files.length) takeFiles(event.dataTransfer.files)
  })
  document.addEventListener('paste', (event) => {
    const files = event.clipboardData?.files
    if (files?.length) {
      event.preventDefault()
      takeFiles(files)
    }
  })

  const updateNudge = () => {
    nudge.hidden = altText.value.trim() !== '' || !input.files.length
  }
  altText.addEventListener('input', updateNudge)
  input.addEventListener('change', updateNudge)

  function clearError(field) {
    const box = form.querySelector(`[data-error="${field}"]`)
    if (box) box.hidden = true
    form.querySelector(`[name="${field}"]`)?.removeAttribute('aria-invalid')
  }

  function showErrors(fields, message) {
    for (const box of form.querySelectorAll('[data-error]')) box.hidden = true
    for (const [name, text] of Object.entries(fields)) {
      const box = form.querySelector(`[data-error="${name}"]`)
      if (!box) continue
      box.textContent = text
      box.hidden = false
      form.querySelector(`[name="${name}"]`)?.setAttribute('aria-invalid', 'true')
    }
    formError.textContent = message ?? Object.values(fields)[0] ?? ''
    formError.hidden = !formError.textContent
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault()
    if (!input.files.length) {
      showErrors({ file: 'Choose an image first: drop it here, paste it, or pick a file.' })
      input.focus()
      return
    }
    if (form.getAttribute('aria-busy')) return
    if (altText.value.trim() === '' && !form.dataset.nudged) {
      // One gentle reminder; a second press posts without alt text.
      form.dataset.nudged = '1'
      nudge.hidden = false
      altText.focus()
      return
    }
    upload()
  })

  function upload() {
    const button = form.querySelector('button[type="submit"]')
    const request = new XMLHttpRequest()
    request.open('POST', form.action)
    request.setRequestHeader('accept', 'application/json')
    request.responseType = 'json'
    progress.value = 0
    progressBox.hidden = false
    button.setAttribute('aria-disabled', 'true')
    form.setAttribute('aria-busy', 'true')
    request.upload.addEventListener('progress', (event) => {
      if (event.lengthComputable) progress.value = Math.round((event.loaded / event.total) * 100)
    })
    request.addEventListener('load', () => {
      const body = request.response ?? {}
      if (request.status === 201 && body.url) {
        progress.value = 100
        location.assign(body.url)
        return
      }
      done()
      // A proxy's 413 or 5xx page is not JSON: say what it means.
      const fallback =
        request.status === 413
          ? 'That image is too large to post.'
          : `The upload failed (${request.status}). Please try again.`
      showErrors(body.fields ?? {}, body.error ?? fallback)
    })
    request.addEventListener('error', () => {
      done()
      showErrors({}, 'The upload did not reach the site. Check your connection and try again.')
    })
    function done() {
      progressBox.hidden = true
      button.removeAttribute('aria-disabled')
      form.removeAttribute('aria-busy')
    }
    request.send(new FormData(form))
  }
}
