import { access, mkdir, readdir, rm } from 'node:fs/promises'
import path from 'node:path'
import writeFileAtomic from 'write-file-atomic'

/** Same product, same position, same name: a redelivered message overwrites instead of adding files. */
export function imagePath(imagesDir: string, productId: number, index: number, extension: string): string {
  return path.join(productDir(imagesDir, productId), `${index}.${extension}`)
}

export const productDir = (imagesDir: string, productId: number): string => path.join(imagesDir, String(productId))

// write-file-atomic writes `<name>.<number>` beside the target, then renames it.
const TEMPORARY_FILE = /^\d+\.[a-z]+\.\d+$/

/** Removes what a process killed mid-write left behind, so each image has exactly one file. */
export async function removeUnfinishedWrites(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[])
  const stale = names.filter((name) => TEMPORARY_FILE.test(name))
  await Promise.all(stale.map((name) => rm(path.join(dir, name), { force: true })))
  return stale
}

/** Written to a temporary file, fsynced and renamed: readers never see half an image. */
export async function storeImage(filePath: string, data: Buffer): Promise<void> {
  await mkdir(path.dirname(filePath), { recursive: true })
  await writeFileAtomic(filePath, data)
}

export async function isStored(filePath: string): Promise<boolean> {
  return access(filePath).then(
    () => true,
    () => false,
  )
}
