import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises'
import { Readable } from 'node:stream'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { imageKey } from '../../../../src/images/storage/image-keys.ts'
import type { ImageStore } from '../../../../src/images/storage/image-store.ts'
import { localStore } from '../../../../src/images/storage/local-store.ts'

// What only the disk has: temporary files of writes cut short, and symlinks. The shared contract is in
// tests/integration/images/storage/image-store.test.ts.
describe('local store', () => {
  let dir: string
  let store: ImageStore
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'storage-'))
    store = localStore(dir)
  })
  afterEach(() => rm(dir, { recursive: true, force: true }))

  it('writes <dir>/<product_id>/<index>.<ext>, leaving no temporary files', async () => {
    const key = imageKey({ productId: 1, source: '0', extension: 'webp' })
    await store.put(key, Buffer.from('first'))
    await store.put(key, Buffer.from('second'))
    expect(store.locationOf(key)).toBe(path.join(dir, '1', '0.webp'))
    expect(await readdir(path.join(dir, '1'))).toEqual(['0.webp'])
  })

  it('removes the temporary files of interrupted writes and keeps the images', async () => {
    await store.put(imageKey({ productId: 9, source: '0', extension: 'webp' }), Buffer.from('image'))
    await store.put(
      imageKey({ productId: 9, source: '0', extension: 'webp', tag: '1a2b3c4d', width: 640 }),
      Buffer.from('variant'),
    )
    await writeFile(path.join(dir, '9', '1.webp.3141592653'), 'half an image')
    await writeFile(path.join(dir, '9', '1.1a2b3c4d.256w.webp.2718281828'), 'half a variant')
    expect((await Readable.from(store.list(9)).toArray()).sort()).toEqual([
      '9/0.1a2b3c4d.640w.webp',
      '9/0.webp',
      '9/1.1a2b3c4d.256w.webp.2718281828',
      '9/1.webp.3141592653',
    ])
    await store.removeUnfinished(9)
    expect((await readdir(path.join(dir, '9'))).sort()).toEqual(['0.1a2b3c4d.640w.webp', '0.webp'])
  })

  it('lists nothing that is not ours, and leaves it', async () => {
    await mkdir(path.join(dir, '5'))
    await writeFile(path.join(dir, '5', 'notes.txt'), 'not an image')
    await writeFile(path.join(dir, 'README'), 'not a product')
    expect(await Readable.from(store.list()).toArray()).toEqual([])
    await expect(store.remove(['5/notes.txt'])).rejects.toThrow(/not an image key/)
  })

  // Whoever can write below the directory must not make the API read, or the worker trust, a file elsewhere.
  it('never follows a symlink, to a file or through a product folder', async () => {
    const outside = await mkdtemp(path.join(tmpdir(), 'outside-'))
    try {
      await writeFile(path.join(outside, '0.webp'), 'not ours')
      await mkdir(path.join(dir, '3'))
      await symlink(path.join(outside, '0.webp'), path.join(dir, '3', '0.webp'))
      await symlink(outside, path.join(dir, '4'))
      for (const productId of [3, 4]) {
        const key = imageKey({ productId, source: '0', extension: 'webp' })
        expect(await store.get(key), key).toBeUndefined()
        expect(await store.exists(key), key).toBe(false)
      }
      // Nor listed or removed through one: the file outside stays, whatever is asked.
      expect(await Readable.from(store.list(4)).toArray()).toEqual([])
      await store.remove([imageKey({ productId: 4, source: '0', extension: 'webp' })])
      await store.removeProduct(4)
      expect(await readdir(outside)).toEqual(['0.webp'])
    } finally {
      await rm(outside, { recursive: true, force: true })
    }
  })
})
