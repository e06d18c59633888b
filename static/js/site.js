// The site's scripts: each makes one part of the server-rendered pages nicer to use. Every
// form they touch also works without them. Plain ES modules, no build step.
import { enhanceAccountMenu } from './account-menu.js'
import { enhanceActions } from './actions.js'
import { enhanceInlineEdit } from './inline-edit.js'
import { enhanceKeyboard } from './keyboard.js'
import { enhanceLoadMore } from './load-more.js'
import { enhanceUpload } from './upload.js'
import { enhanceVideoLinks } from './video-links.js'

document.documentElement.classList.add('js')
enhanceAccountMenu()
enhanceActions()
enhanceInlineEdit()
enhanceKeyboard()
enhanceLoadMore()
enhanceUpload()
enhanceVideoLinks()
