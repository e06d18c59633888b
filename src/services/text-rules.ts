// Rules for free text people type (titles, descriptions, profile fields).

/**
 * The longest web address taken (an image's, a video's, its thumbnail's, an app's redirect):
 * longer ones are refused, or cut when they only fill a form in.
 */
export const WEB_ADDRESS_MAX = 2000

// C0 and C1 controls other than tab and newlines never belong in what people write.
// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
const controlCharacters = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/

/** A message when the text is too long (in characters) or holds control characters. */
export function textProblem(label: string, value: string, max: number): string | undefined {
  if (value.length > max * 2 || [...value].length > max)
    return `${label} can be at most ${max} characters.`
  if (controlCharacters.test(value)) return `${label} contains characters that are not allowed.`
  return undefined
}
