import path from 'node:path'
import { fileURLToPath } from 'node:url'

/** The repository root: views/, static/ and the default data/ folder are found from here. */
export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
export const viewsDir = path.join(projectRoot, 'views')
export const staticDir = path.join(projectRoot, 'static')
