// How wide a post's image is shown in each layout, for the `sizes` attribute that lets the
// browser choose its srcset candidate before any CSS has loaded. The one place these widths
// live: a change to the layout in static/css/site.css changes them here. Derived from site.css:
//   .content: max-width 1140px, padding 1rem a side (0.75rem at ≤ 640px); .post-card: 1px border.
//   Stream card (.stream max 720px): the image fills the card's width (.post-image-link img);
//     phones: 100vw − 2 × 0.75rem − 2px; up to 752px: 100vw − 2 × 1rem − 2px; wider: 718px
//     (beside the sidebar on narrower desktops the column may be a little narrower).
//   Post page (.post): one column below 960px (100vw minus the padding); from 960px the figure
//     is 1fr beside a 360px column and a 2rem gap: 100vw − 32 − 360 − 32 = 100vw − 424px, at
//     most 1140 − 424 = 716px. (A tall image may show narrower: max-height 85vh.)
//
// Streams cap a phone's density at 2: a phone of 2.5 dppx or more (most at 3) is told the slot is
// 2/3 as wide, so it takes the candidate a 2x phone takes. At arm's length a 3x photo looks no
// sharper than a 2x one (Twitter measured the same when it capped its images at 2x), and it
// weighs about twice as much. The post page, where one image is looked at closely, is not capped.
// (A 2.625-dppx phone then takes 1.75 device pixels per CSS pixel.)
export const phoneDensityCap = { fromDppx: 2.5, slotScale: 2 / 3 } as const
const phoneSlot = 'calc(100vw - 26px)'
const cappedPhoneSlot = 'calc((100vw - 26px) * 2 / 3)'

export const imageSizes = {
  streamCard: `(max-width: 640px) and (min-resolution: ${phoneDensityCap.fromDppx}dppx) ${cappedPhoneSlot}, (max-width: 640px) ${phoneSlot}, (max-width: 752px) calc(100vw - 34px), 718px`,
  postPage:
    '(max-width: 640px) calc(100vw - 24px), (max-width: 959px) calc(100vw - 32px), (max-width: 1140px) calc(100vw - 424px), 716px',
} as const

/** The CSS width each layout shows at most on a wide screen (the benchmark's desktop). */
export const layoutWidths = { streamCard: 718, postPage: 716 } as const
