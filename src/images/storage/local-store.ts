import { constants } from 'node:fs'
import { lstat, mkdir, open, readdir, rm, rmdir } from 'node:fs/promises'
import path from 'node:path'
import writeFileAtomic from 'write-file-atomic'
import { checkedKey, FILE_NAME, isStoredKey } from './image-keys.ts'
import { contentTypeOf, type ImageStore } from './image-store.ts'

// write-file-atomic writes `<name>.<number>` beside the target, then renames it.
const TEMPORARY_FILE = new RegExp(String.raw`^${FILE_NAME}\.\d+$`)
const PRODUCT_FOLDER = /^[1-9]\d*$/

/** A key `list` gives: an image key, or the temporary file of a write cut short. */
function listedKey(key: string): string {
  const [folder = '', name = '', ...rest] = key.split('/')
  if (rest.length === 0 && PRODUCT_FOLDER.test(folder) && TEMPORARY_FILE.test(name)) return key
  return checkedKey(key)
}

/** The result, or `absent` when the file or folder is not there; any other error goes on. */
function unlessMissing<T, A>(promise: Promise<T>, absent: A): Promise<T | A> {
  return promise.catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return absent
    throw error
  })
}

/** Removes a folder that is empty; one that is not, is gone, or is a symlink, stays as it is. */
async function removeIfEmpty(folder: string): Promise<void> {
  if (!(await isPlainFolder(folder))) return
  await rmdir(folder).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST' && error.code !== 'ENOENT') throw error
  })
}

/** Whether `folder` is a folder itself, not a symlink to one: nothing is read or removed through a link. */
const isPlainFolder = async (folder: string) => (await unlessMissing(lstat(folder), undefined))?.isDirectory() === true

/**
 * The stored file, open for reading; undefined when it is not there, or is not a plain file in a plain
 * folder. A symlink could point anywhere, so none is followed: not the file (O_NOFOLLOW), not its
 * product folder (lstat). O_NONBLOCK: opening a FIFO planted there must not hang.
 */
async function openImage(file: string) {
  if (!(await isPlainFolder(path.dirname(file)))) return undefined
  const handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch(
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'ELOOP') return undefined // ELOOP: a symlink
      throw error
    },
  )
  if (!handle) return undefined
  const stats = await handle.stat()
  if (stats.isFile()) return { handle, stats }
  await handle.close()
  return undefined
}

/** Images as files under one directory: `<directory>/<key>`, keys as image-keys.ts shapes them. */
export function localStore(directory: string): ImageStore {
  const fileOf = (key: string) => path.join(directory, ...checkedKey(key).split('/'))
  return {
    description: directory,
    locationOf: fileOf,

    // Written to a temporary file, fsynced and renamed: readers never see half an image.
    async put(key, data) {
      const file = fileOf(key)
      await mkdir(path.dirname(file), { recursive: true })
      await writeFileAtomic(file, data)
    },

    async exists(key) {
      const image = await openImage(fileOf(key))
      await image?.handle.close()
      return image !== undefined
    },

    async get(key) {
      const image = await openImage(fileOf(key))
      if (!image) return undefined
      const { handle, stats } = image
      // The ETag these files had when @fastify/static served them: size and modification time.
      const etag = `W/"${stats.size.toString(16)}-${Math.floor(stats.mtimeMs).toString(16)}"`
      return { body: handle.createReadStream(), contentType: contentTypeOf(key), contentLength: stats.size, etag }
    },

    // A process killed mid-write leaves its temporary file; each image must have exactly one file.
    async removeUnfinished(productId) {
      const dir = path.join(directory, String(productId))
      const names = await unlessMissing(readdir(dir), [])
      const stale = names.filter((name) => TEMPORARY_FILE.test(name))
      await Promise.all(stale.map((name) => rm(path.join(dir, name), { force: true })))
    },

    async *list(productId) {
      const folders =
        productId === undefined
          ? (await unlessMissing(readdir(directory), [])).filter((name) => PRODUCT_FOLDER.test(name))
          : [String(productId)]
      for (const folder of folders) {
        if (!(await isPlainFolder(path.join(directory, folder)))) continue
        const names = await readdir(path.join(directory, folder))
        for (const name of names) {
          if (isStoredKey(`${folder}/${name}`) || TEMPORARY_FILE.test(name)) {
            yield `${folder}/${name}`
          }
        }
      }
    },

    async remove(keys) {
      const files = keys.map((key) => path.join(directory, ...listedKey(key).split('/')))
      const removeFile = async (file: string) => {
        if (await isPlainFolder(path.dirname(file))) await rm(file, { force: true })
      }
      await Promise.all(files.map(removeFile))
      // A folder left empty goes too; one a worker writes into again meanwhile is simply made again.
      const folders = [...new Set(files.map((file) => path.dirname(file)))]
      await Promise.all(folders.map((folder) => removeIfEmpty(folder)))
    },

    // rm never follows a symlink: a linked product folder goes, what it points to stays.

    async removeProduct(productId) {
      await rm(path.join(directory, String(productId)), { recursive: true, force: true })
    },
  }
}
