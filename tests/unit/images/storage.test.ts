import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { imagePath, productDir, removeUnfinishedWrites, storeImage } from '../../../src/images/storage.ts'

describe('imagePath', () => {
  it('is one file per product and position', () => {
    expect(imagePath('/srv/images', 42, 0, 'webp')).toBe('/srv/images/42/0.webp')
    expect(imagePath('/srv/images', 42, 3, 'jpg')).toBe('/srv/images/42/3.jpg')
  })

  it('gives the same name every time', () => {
    expect(imagePath('/d', 7, 1, 'webp')).toBe(imagePath('/d', 7, 1, 'webp'))
  })
})

describe('storeImage', () => {
  let dir: string
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'storage-'))
  })
  afterEach(() => rm(dir, { recursive: true, force: true }))

  it('creates the product folder and writes the bytes', async () => {
    const file = imagePath(dir, 1, 0, 'webp')
    await storeImage(file, Buffer.from('first'))
    expect(await readFile(file, 'utf8')).toBe('first')
  })

  it('replaces a file written before, leaving no temporary files', async () => {
    const file = imagePath(dir, 1, 0, 'webp')
    await storeImage(file, Buffer.from('first'))
    await storeImage(file, Buffer.from('second'))
    expect(await readFile(file, 'utf8')).toBe('second')
    expect(await readdir(path.dirname(file))).toEqual(['0.webp'])
  })
})

describe('removeUnfinishedWrites', () => {
  let dir: string
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'storage-'))
  })
  afterEach(() => rm(dir, { recursive: true, force: true }))

  it('removes the temporary files of interrupted writes and keeps the images', async () => {
    const product = productDir(dir, 9)
    await storeImage(imagePath(dir, 9, 0, 'webp'), Buffer.from('image'))
    await writeFile(path.join(product, '1.webp.3141592653'), 'half an image')
    expect(await removeUnfinishedWrites(product)).toEqual(['1.webp.3141592653'])
    expect(await readdir(product)).toEqual(['0.webp'])
  })

  it('is fine with a product that has no folder yet', async () => {
    expect(await removeUnfinishedWrites(productDir(dir, 10))).toEqual([])
  })
})
