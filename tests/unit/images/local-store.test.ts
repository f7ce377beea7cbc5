import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { imageKey } from '../../../src/images/storage/image-store.ts'
import { localStore, type LocalStore } from '../../../src/images/storage/local-store.ts'

// What only the disk has: temporary files of writes cut short. The shared contract is in
// tests/integration/storage/image-store.test.ts.
describe('local store', () => {
  let dir: string
  let store: LocalStore
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'storage-'))
    store = localStore(dir)
  })
  afterEach(() => rm(dir, { recursive: true, force: true }))

  it('writes <dir>/<product_id>/<index>.<ext>, leaving no temporary files', async () => {
    await store.put(imageKey(1, 0, 'webp'), Buffer.from('first'))
    await store.put(imageKey(1, 0, 'webp'), Buffer.from('second'))
    expect(store.locationOf(imageKey(1, 0, 'webp'))).toBe(path.join(dir, '1', '0.webp'))
    expect(await readdir(path.join(dir, '1'))).toEqual(['0.webp'])
  })

  it('removes the temporary files of interrupted writes and keeps the images', async () => {
    await store.put(imageKey(9, 0, 'webp'), Buffer.from('image'))
    await store.put(imageKey(9, 0, 'webp', '1a2b3c4d', 640), Buffer.from('variant'))
    await writeFile(path.join(dir, '9', '1.webp.3141592653'), 'half an image')
    await writeFile(path.join(dir, '9', '1.1a2b3c4d.256w.webp.2718281828'), 'half a variant')
    await store.removeUnfinished(9)
    expect((await readdir(path.join(dir, '9'))).sort()).toEqual(['0.1a2b3c4d.640w.webp', '0.webp'])
  })
})
