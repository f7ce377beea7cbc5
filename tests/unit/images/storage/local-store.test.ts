import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises'
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
    const key = imageKey({ productId: 1, index: 0, extension: 'webp' })
    await store.put(key, Buffer.from('first'))
    await store.put(key, Buffer.from('second'))
    expect(store.locationOf(key)).toBe(path.join(dir, '1', '0.webp'))
    expect(await readdir(path.join(dir, '1'))).toEqual(['0.webp'])
  })

  it('removes the temporary files of interrupted writes and keeps the images', async () => {
    await store.put(imageKey({ productId: 9, index: 0, extension: 'webp' }), Buffer.from('image'))
    await store.put(
      imageKey({ productId: 9, index: 0, extension: 'webp', tag: '1a2b3c4d', width: 640 }),
      Buffer.from('variant'),
    )
    await writeFile(path.join(dir, '9', '1.webp.3141592653'), 'half an image')
    await writeFile(path.join(dir, '9', '1.1a2b3c4d.256w.webp.2718281828'), 'half a variant')
    await store.removeUnfinished(9)
    expect((await readdir(path.join(dir, '9'))).sort()).toEqual(['0.1a2b3c4d.640w.webp', '0.webp'])
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
        const key = imageKey({ productId, index: 0, extension: 'webp' })
        expect(await store.get(key), key).toBeUndefined()
        expect(await store.exists(key), key).toBe(false)
      }
    } finally {
      await rm(outside, { recursive: true, force: true })
    }
  })
})
