import { access, mkdir } from 'node:fs/promises'
import path from 'node:path'
import writeFileAtomic from 'write-file-atomic'

/** Same product, same position, same name: a redelivered message overwrites instead of adding files. */
export function imagePath(imagesDir: string, productId: number, index: number, extension: string): string {
  return path.join(imagesDir, String(productId), `${index}.${extension}`)
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
