// A shake's picture is stored twice under its image_key: a 96×96 square and a 568-wide banner.
// Saving, replacing, deleting and backing up all name the files from here.

export const shakeImageSizes = [96, 568] as const
export type ShakeImageSize = (typeof shakeImageSizes)[number]

export function shakeImageFile(imageKey: string, size: ShakeImageSize): string {
  return `${imageKey}-${size}.jpg`
}

/** Every file stored for a shake's picture. */
export function shakeImageFiles(imageKey: string): string[] {
  return shakeImageSizes.map((size) => shakeImageFile(imageKey, size))
}
