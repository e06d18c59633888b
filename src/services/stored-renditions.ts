// Puts an image's rendered files in the file store under one key prefix (`i/SHA1/`), noting
// each key before its put (a put that failed on our side may still have landed), so a failed
// attempt knows what to remove.
import type { RenderedFile } from '../media/image-pipeline.js'
import type { Rendition } from '../repositories/sourcefiles.js'
import type { FileStore } from '../storage/file-store.js'
import { StoreUnavailableError } from './posting.js'

export async function storeRenditions(
  store: FileStore,
  rendered: readonly RenderedFile[],
  prefix: string,
  storedKeys: string[],
): Promise<Rendition[]> {
  const renditions: Rendition[] = []
  for (const file of rendered) {
    const key = `${prefix}/${file.name}.${file.extension}`
    storedKeys.push(key)
    await store.put(key, file.file, file.contentType).catch((error: unknown) => {
      throw new StoreUnavailableError(error)
    })
    renditions.push({
      name: file.name,
      key,
      width: file.width,
      height: file.height,
      size: file.size,
    })
  }
  return renditions
}
