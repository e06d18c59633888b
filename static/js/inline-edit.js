// The owner of a post edits its title, description and alt text where they are shown. The
// editor sends the page's own edit form (all three fields, as without scripts) as JSON.
import { errorText, fetchFragment, sendForm } from './http.js'
import { toast } from './toast.js'

const labels = { title: 'Title', description: 'Description', alt_text: 'Alt text' }

/** The element showing a field's value in an .editable box. */
const valueIn = (box) => box.querySelector('h1, .description, .alt-text-value')

export function enhanceInlineEdit() {
  const form = document.getElementById('edit-form')
  if (!form) return
  // Editing happens in place: the form stays as the editor's source of values and its sender,
  // out of sight, so the owner sees one way to edit, not two. A refused edit without scripts
  // (errors shown in the form) keeps the form in view.
  const box = document.getElementById('edit-form-box')
  if (box && !form.querySelector('[aria-invalid="true"]')) box.hidden = true
  for (const box of document.querySelectorAll('.editable[data-field]')) {
    const link = box.querySelector('[data-edit]')
    if (!link) continue
    link.setAttribute('role', 'button')
    link.addEventListener('click', (event) => {
      event.preventDefault()
      open(box, form)
    })
  }
}

function open(box, form) {
  if (box.querySelector('.inline-editor')) return
  const field = box.dataset.field
  const source = form.elements.namedItem(field)
  const display = valueIn(box)
  const link = box.querySelector('[data-edit]')
  const id = `inline-${field}`

  const editor = document.createElement('form')
  editor.className = 'inline-editor'
  const label = document.createElement('label')
  label.htmlFor = id
  label.textContent = labels[field]
  const input = document.createElement(field === 'title' ? 'input' : 'textarea')
  input.id = id
  input.value = source.value
  if (field === 'title') input.maxLength = 255
  else input.rows = field === 'description' ? 4 : 3
  const error = document.createElement('p')
  error.className = 'error'
  error.id = `${id}-error`
  error.hidden = true
  const save = document.createElement('button')
  save.type = 'submit'
  save.className = 'button'
  save.textContent = 'Save'
  const cancel = document.createElement('button')
  cancel.type = 'button'
  cancel.className = 'button secondary'
  cancel.textContent = 'Cancel'
  const buttons = document.createElement('div')
  buttons.className = 'inline-editor-buttons'
  buttons.append(save, cancel)
  editor.append(label, input, error, buttons)

  display.hidden = true
  link.hidden = true
  box.append(editor)
  input.focus()

  function close() {
    editor.remove()
    display.hidden = false
    link.hidden = false
    link.focus()
  }
  cancel.addEventListener('click', close)
  editor.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') close()
  })
  editor.addEventListener('submit', async (event) => {
    event.preventDefault()
    if (editor.getAttribute('aria-busy')) return
    editor.setAttribute('aria-busy', 'true')
    const result = await sendForm(form, { [field]: input.value })
    editor.removeAttribute('aria-busy')
    if (!result.ok) {
      // What was typed stays in the editor, with the reason beside it.
      error.textContent = result.body?.fields?.[field] ?? errorText(result)
      error.hidden = false
      input.setAttribute('aria-invalid', 'true')
      input.setAttribute('aria-describedby', error.id)
      return
    }
    for (const [name, value] of Object.entries(result.body)) {
      const element = form.elements.namedItem(name)
      if (element) element.value = value ?? ''
    }
    await showSaved(result.body)
    close()
    toast(`${labels[field]} saved.`)
  })
}

/** Shows the saved text as the server renders it (links in the description), or as typed. */
async function showSaved(saved) {
  let page
  try {
    page = await fetchFragment(location.pathname)
  } catch {
    page = undefined
  }
  for (const box of document.querySelectorAll('.editable[data-field]')) {
    const display = valueIn(box)
    const freshBox = page?.querySelector(`.editable[data-field="${box.dataset.field}"]`)
    const fresh = freshBox && valueIn(freshBox)
    if (fresh) display.replaceChildren(...fresh.childNodes)
    else display.textContent = saved[box.dataset.field] ?? ''
  }
  const image = document.querySelector('.post-figure img')
  if (image) image.alt = saved.alt_text || saved.title || ''
}
