// What a post's title, description and alt text may hold.
import type { PostText } from '../repositories/posts.js'
import { ValidationError } from './errors.js'
import { textProblem } from './text-rules.js'

export const TITLE_MAX = 255
export const DESCRIPTION_MAX = 5000
export const ALT_TEXT_MAX = 1500

/** Trims the fields and checks them; throws ValidationError naming each bad field. */
export function checkedPostText(input: {
  title: string
  description: string
  altText: string
}): PostText {
  const text = {
    title: input.title.trim().replace(/\s+/g, ' '),
    description: input.description.trim(),
    altText: input.altText.trim(),
  }
  const problems: Record<string, string> = {}
  const title = textProblem('Titles', text.title, TITLE_MAX)
  if (title) problems.title = title
  const description = textProblem('Descriptions', text.description, DESCRIPTION_MAX)
  if (description) problems.description = description
  const alt = textProblem('Alt text', text.altText, ALT_TEXT_MAX)
  if (alt) problems.alt_text = alt
  if (Object.keys(problems).length > 0) throw new ValidationError(problems)
  return text
}
