import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { imagePath, storeImage } from '../../../src/images/storage.ts'

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
