// Profile pictures: any accepted image, cropped from the centre to a 200×200 JPEG with no
// metadata, stored under a key made from its content.
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import type { ImageLimits } from '../config.js'
import type { Database } from '../db/database.js'
import { probeImage, renderAvatar, sniffImageFormat } from '../media/image-pipeline.js'
import { type TempUpload, tempPath } from '../media/temp-file.js'
import { type User, updateAvatarKey } from '../repositories/users.js'
import type { FileStore } from '../storage/file-store.js'
import { ServiceError } from './errors.js'
import type { UserChanges } from './session-cache.js'

export class AvatarService {
  constructor(
    private readonly db: Database,
    private readonly store: FileStore,
    private readonly limits: ImageLimits,
    private readonly tempDir: string,
    private readonly users: UserChanges,
  ) {}

  async setAvatar(user: User, upload: TempUpload): Promise<string> {
    if (upload.size === 0) throw new ServiceError(400, 'That file is empty.')
    const format = await sniffImageFormat(upload.path)
    const info = await probeImage(upload.path, format, this.limits)
    const out = await tempPath(this.tempDir, '.jpg')
    try {
      await renderAvatar(upload.path, info, out.path)
      const digest = createHash('sha1')
        .update(await readFile(out.path))
        .digest('hex')
      const key = `a/${user.id}/${digest}.jpg`
      await this.store.put(key, out.path, 'image/jpeg')
      await updateAvatarKey(this.db, user.id, key)
      await this.users.userChanged(user.id)
      if (user.avatarKey && user.avatarKey !== key)
        await this.store.delete([user.avatarKey]).catch(() => {})
      return key
    } finally {
      await out.cleanup()
    }
  }

  async removeAvatar(user: User): Promise<void> {
    if (!user.avatarKey) return
    await updateAvatarKey(this.db, user.id, null)
    await this.users.userChanged(user.id)
    await this.store.delete([user.avatarKey]).catch(() => {})
  }
}
