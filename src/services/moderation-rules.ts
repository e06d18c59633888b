// What members may write in a report and moderators in their notes.
import { ValidationError } from './errors.js'
import { textProblem } from './text-rules.js'

/** The fixed reasons a member picks from when reporting something. */
export const reportReasons = [
  { value: 'spam', label: 'Spam or advertising' },
  { value: 'harassment', label: 'Harassment or hate' },
  { value: 'nsfw', label: 'Not safe for work and not marked so' },
  { value: 'copyright', label: 'Copyright infringement' },
  { value: 'illegal', label: 'Illegal content' },
  { value: 'other', label: 'Something else' },
] as const

export type ReportReason = (typeof reportReasons)[number]['value']

export function reasonLabel(value: string): string {
  return reportReasons.find((r) => r.value === value)?.label ?? value
}

const NOTE_MAX = 1000

export function checkedReport(input: { reason: string; note: string }): {
  reason: ReportReason
  note: string
} {
  const reason = reportReasons.find((r) => r.value === input.reason)?.value
  const note = input.note.trim()
  const problems: Record<string, string> = {}
  if (!reason) problems.reason = 'Please choose a reason from the list.'
  const noteProblem = textProblem('Notes', note, NOTE_MAX)
  if (noteProblem) problems.note = noteProblem
  if (!reason || Object.keys(problems).length > 0) throw new ValidationError(problems)
  return { reason, note }
}

/** A moderator's reason for an action: required where the action cannot be undone. */
export function checkedModeratorNote(value: string, options: { required: boolean }): string {
  const note = value.trim()
  if (options.required && note === '')
    throw new ValidationError({ note: 'Please write down why, for the moderation log.' })
  const problem = textProblem('Notes', note, NOTE_MAX)
  if (problem) throw new ValidationError({ note: problem })
  return note
}
