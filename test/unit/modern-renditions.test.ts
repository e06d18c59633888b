// What the media job and the backfill make of an image: widths below its own, AVIF and WebP of
// each srcset width, nothing for animations or complete images.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Rendition } from '../../src/repositories/sourcefiles.js'
import { modernRequestFor } from '../../src/services/modern-renditions.js'

const r = (name: string, width: number, format?: Rendition['format']): Rendition => ({
  name,
  key: `i/a/${name}.${format ?? 'x'}`,
  width,
  height: 1,
  size: 1,
  ...(format ? { format } : {}),
})

describe('modernRequestFor', () => {
  it('asks for AVIF and WebP at every width below the image, and at its own under 1600', () => {
    const image = {
      format: 'jpeg' as const,
      frames: 1,
      width: 900,
      renditions: [r('original', 900), r('w320', 320, 'jpeg'), r('w550', 550, 'jpeg')],
    }
    assert.deepEqual(modernRequestFor(image), {
      fallbackWidths: [800],
      modern: [320, 550, 800, 0].map((width) => ({ width, formats: ['avif', 'webp'] })),
      fallback: 'jpeg',
    })
  })
  it('stops at 1600 for a larger image, and the original is never encoded again', () => {
    const request = modernRequestFor({
      format: 'jpeg',
      frames: 1,
      width: 4000,
      renditions: [r('original', 4000), r('w550', 550), r('w1100', 1100)],
    })
    assert.deepEqual(request?.fallbackWidths, [320, 800, 1600])
    assert.deepEqual(
      request?.modern.map((m) => m.width),
      [320, 550, 800, 1100, 1600],
    )
    // Older renditions do not say their format: the job chooses it again.
    assert.equal(request?.fallback, undefined)
  })
  it('asks for nothing of an animation or of an image that has everything', () => {
    assert.equal(
      modernRequestFor({ format: 'gif', frames: 12, width: 800, renditions: [] }),
      undefined,
    )
    const complete = {
      format: 'png' as const,
      frames: 1,
      width: 500,
      renditions: [
        r('original', 500),
        ...['png', 'avif', 'webp'].map((f) => r('w320', 320, f as Rendition['format'])),
        r('full', 500, 'avif'),
        r('full', 500, 'webp'),
      ],
    }
    assert.equal(modernRequestFor(complete), undefined)
  })
  it('makes no WebP copy of a transparent WebP, whose fallback is WebP already', () => {
    const request = modernRequestFor({
      format: 'webp',
      frames: 1,
      width: 400,
      renditions: [r('original', 400), r('w320', 320, 'webp')],
    })
    assert.deepEqual(request?.modern, [
      { width: 320, formats: ['avif'] },
      { width: 0, formats: ['avif'] },
    ])
  })
})
