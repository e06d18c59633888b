// The site's own text pages (terms of use, FAQ). The operator may replace one by putting its
// body, as HTML, in DATA_DIR/pages/NAME.html: it is the operator's own text, shown as written.
// Without such a file, the page's template gives the default text.
import { readFile } from 'node:fs/promises'
import path from 'node:path'

export const sitePageNames = ['terms-of-use', 'faq'] as const
export type SitePageName = (typeof sitePageNames)[number]

export class SitePages {
  constructor(private readonly dataDir: string) {}

  /** The operator's HTML for the page, or undefined when the default text applies. */
  async operatorText(name: SitePageName): Promise<string | undefined> {
    try {
      return await readFile(path.join(this.dataDir, 'pages', `${name}.html`), 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw error
    }
  }
}
