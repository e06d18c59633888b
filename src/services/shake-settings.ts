// A group shake's own settings: creating it, its title and description, and its picture.
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import type { Config } from '../config.js'
import type { Database } from '../db/database.js'
import { isUniqueViolation } from '../db/dialect.js'
import { inTransaction } from '../db/transaction.js'
import { probeImage, renderShakeImage, sniffImageFormat } from '../media/image-pipeline.js'
import { type TempUpload, tempPath } from '../media/temp-file.js'
import {
  findShakeByName,
  insertShake,
  type Shake,
  shakeNameTaken,
  updateShake,
} from '../repositories/shakes.js'
import { insertSubscription } from '../repositories/subscriptions.js'
import { type User, userNameTaken } from '../repositories/users.js'
import type { FileStore } from '../storage/file-store.js'
import { shakeImageFile, shakeImageFiles } from '../storage/shake-image-files.js'
import { nameProblem } from './account-rules.js'
import { ServiceError, ValidationError } from './errors.js'
import { ownedGroupShake } from './shake-by-name.js'
import { textProblem } from './text-rules.js'

export interface ShakeFields {
  name: string
  title: string
  description: string
}

export class ShakeSettingsService {
  constructor(
    private readonly db: Database,
    private readonly store: FileStore,
    private readonly config: Pick<Config, 'images' | 'tmpDir'>,
  ) {}

  async create(owner: User, input: ShakeFields): Promise<Shake> {
    const name = input.name.trim()
    const { fields, problems } = this.textOf(input)
    const problem = nameProblem(name)?.replace('User names', 'Shake names')
    if (problem) problems.name = problem
    if (Object.keys(problems).length > 0) throw new ValidationError(problems)
    if ((await shakeNameTaken(this.db, name)) || (await userNameTaken(this.db, name))) {
      throw new ValidationError({ name: 'That name is taken; please choose another.' }, 409)
    }
    try {
      // The creator follows the group from the start (as in MLTSHP), so its posts reach their
      // timeline and they are counted among its followers: shake and follow commit together.
      await inTransaction(this.db, async (trx) => {
        const shakeId = await insertShake(trx, {
          userId: owner.id,
          type: 'group',
          name,
          title: fields.title,
          description: fields.description,
        })
        await insertSubscription(trx, owner.id, shakeId)
      })
    } catch (error) {
      if (isUniqueViolation(error))
        throw new ValidationError({ name: 'That name was just taken.' }, 409)
      throw error
    }
    return (await findShakeByName(this.db, name)) as Shake
  }

  async update(user: User, name: string, input: Omit<ShakeFields, 'name'>): Promise<Shake> {
    const shake = await ownedGroupShake(this.db, user, name)
    const fields = this.checkedText(input)
    await updateShake(this.db, shake.id, {
      title: fields.title,
      description: fields.description,
    })
    return { ...shake, title: fields.title, description: fields.description }
  }

  /** The shake's picture: a 96×96 square and a 568-wide banner, without metadata. */
  async setImage(user: User, name: string, upload: TempUpload): Promise<void> {
    const shake = await ownedGroupShake(this.db, user, name)
    if (upload.size === 0) throw new ServiceError(400, 'That file is empty.')
    const info = await probeImage(
      upload.path,
      await sniffImageFormat(upload.path),
      this.config.images,
    )
    const small = await tempPath(this.config.tmpDir, '.jpg')
    const large = await tempPath(this.config.tmpDir, '.jpg')
    try {
      await renderShakeImage(upload.path, info, small.path, large.path)
      const digest = createHash('sha1')
        .update(await readFile(large.path))
        .digest('hex')
      const key = `s/${shake.id}/${digest}`
      await this.store.put(shakeImageFile(key, 96), small.path, 'image/jpeg')
      await this.store.put(shakeImageFile(key, 568), large.path, 'image/jpeg')
      await updateShake(this.db, shake.id, { imageKey: key })
      if (shake.imageKey && shake.imageKey !== key) {
        await this.store.delete(shakeImageFiles(shake.imageKey)).catch(() => {})
      }
    } finally {
      await small.cleanup()
      await large.cleanup()
    }
  }

  private checkedText(input: { title: string; description: string }) {
    const { fields, problems } = this.textOf(input)
    if (Object.keys(problems).length > 0) throw new ValidationError(problems)
    return fields
  }

  private textOf(input: { title: string; description: string }) {
    const fields = { title: input.title.trim(), description: input.description.trim() }
    const problems: Record<string, string> = {}
    // A group is known by its title (MLTSHP's rule and message); trimmed, so spaces are blank.
    const title =
      fields.title === '' ? "Title can't be blank." : textProblem('Titles', fields.title, 128)
    if (title) problems.title = title
    const description = textProblem('Descriptions', fields.description, 255)
    if (description) problems.description = description
    return { fields, problems }
  }
}
