import { createReadStream } from 'node:fs'
import { mkdir, readdir, rm, stat } from 'node:fs/promises'
import path from 'node:path'
import writeFileAtomic from 'write-file-atomic'
import { checkedKey, contentTypeOf, FILE_NAME, type ImageStore } from './image-store.ts'

export interface LocalStore extends ImageStore {
  /** Served by the API with @fastify/static. */
  readonly directory: string
}

// write-file-atomic writes `<name>.<number>` beside the target, then renames it.
const TEMPORARY_FILE = new RegExp(String.raw`^${FILE_NAME}\.\d+$`)

/** The result, or `absent` when the file or folder is not there; any other error goes on. */
function unlessMissing<T, A>(promise: Promise<T>, absent: A): Promise<T | A> {
  return promise.catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return absent
    throw error
  })
}

/** Images as files under one directory: `<directory>/<product_id>/<index>.<ext>`. */
export function localStore(directory: string): LocalStore {
  const fileOf = (key: string) => path.join(directory, ...checkedKey(key).split('/'))
  return {
    directory,
    description: directory,
    locationOf: fileOf,

    // Written to a temporary file, fsynced and renamed: readers never see half an image.
    async put(key, data) {
      const file = fileOf(key)
      await mkdir(path.dirname(file), { recursive: true })
      await writeFileAtomic(file, data)
    },

    async exists(key) {
      return (await unlessMissing(stat(fileOf(key)), undefined)) !== undefined
    },

    async get(key) {
      const file = fileOf(key)
      const stats = await unlessMissing(stat(file), undefined)
      if (!stats) return undefined
      return { body: createReadStream(file), contentType: contentTypeOf(key), contentLength: stats.size }
    },

    // A process killed mid-write leaves its temporary file; each image must have exactly one file.
    async removeUnfinished(productId) {
      const dir = path.join(directory, String(productId))
      const names = await unlessMissing(readdir(dir), [])
      const stale = names.filter((name) => TEMPORARY_FILE.test(name))
      await Promise.all(stale.map((name) => rm(path.join(dir, name), { force: true })))
    },
  }
}
