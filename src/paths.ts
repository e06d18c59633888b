import path from 'node:path'
import { fileURLToPath } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
const parent = path.resolve(here, '..')

/**
 * The repository root: templates/, static/ and the default data/ folder are found from here.
 * This file runs from src/ (tsx: tests, scripts) or from dist/src/ (the compiled build).
 */
export const projectRoot = path.basename(parent) === 'dist' ? path.dirname(parent) : parent
export const templatesDir = path.join(projectRoot, 'templates')
export const staticDir = path.join(projectRoot, 'static')
