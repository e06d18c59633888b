// Where a configured program is, found the way a shell would (a name is looked up on PATH, a
// path is taken as it is), so a missing program is known before any work starts.
import { constants } from 'node:fs'
import { access } from 'node:fs/promises'
import path from 'node:path'

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK)
    return true
  } catch {
    return false
  }
}

/** The absolute path of the program, or undefined when this machine does not have it. */
export async function findExecutable(program: string): Promise<string | undefined> {
  if (program.includes('/')) {
    const file = path.resolve(program)
    return (await isExecutable(file)) ? file : undefined
  }
  for (const folder of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!folder) continue
    const file = path.join(folder, program)
    if (await isExecutable(file)) return file
  }
  return undefined
}
