// RSS 2.0 documents for a shake's latest posts.
import { escapeHtml } from '../plugins/linkify.js'
import type { PresentedPost } from './post-presentation.js'

/** XML text: the HTML escapes are the XML ones (&, <, >, ", '), minus what XML cannot carry. */
function xml(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: XML 1.0 forbids these characters
  return escapeHtml(text.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, ''))
}

export function rssDocument(
  channel: { title: string; link: string; description: string; selfUrl: string },
  posts: PresentedPost[],
  absolute: (path: string) => string,
): string {
  const items = posts.map((post) => {
    const link = absolute(post.url)
    const image = absolute(post.feedUrl)
    // A video-link post: its picture leads to the post, and the video's own page is named.
    const video = post.videoLink
      ? `<p><a href="${xml(post.videoLink.watchUrl)}">Watch on ${xml(post.videoLink.providerName)}</a></p>`
      : ''
    const description = `<p><a href="${xml(link)}"><img src="${xml(image)}" width="${post.width}" height="${post.height}" alt="${xml(post.altText || post.title)}"></a></p>${video}${post.description ? `<p>${xml(post.description)}</p>` : ''}`
    return [
      '    <item>',
      `      <title>${xml(post.title || `Posted by ${post.userName}`)}</title>`,
      `      <link>${xml(link)}</link>`,
      `      <guid isPermaLink="true">${xml(link)}</guid>`,
      `      <pubDate>${post.createdAt.toUTCString()}</pubDate>`,
      `      <author>${xml(`nobody@invalid (${post.userName})`)}</author>`,
      `      <description>${xml(description)}</description>`,
      // A video link has no file of its own to enclose (its picture is in the description).
      ...(post.videoLink
        ? []
        : [
            `      <enclosure url="${xml(absolute(post.rawUrl))}" type="${xml(post.contentType)}" length="${post.size}"/>`,
          ]),
      '    </item>',
    ].join('\n')
  })
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">',
    '  <channel>',
    `    <title>${xml(channel.title)}</title>`,
    `    <link>${xml(channel.link)}</link>`,
    `    <description>${xml(channel.description)}</description>`,
    `    <atom:link href="${xml(channel.selfUrl)}" rel="self" type="application/rss+xml"/>`,
    ...items,
    '  </channel>',
    '</rss>',
    '',
  ].join('\n')
}
