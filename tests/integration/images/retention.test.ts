import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { recordSuperseded, removeSupersededFiles } from '../../../src/images/retention.ts'
import { imageKey } from '../../../src/images/storage/image-keys.ts'
import type { ImageStore } from '../../../src/images/storage/image-store.ts'
import { localStore } from '../../../src/images/storage/local-store.ts'
import {
  createProduct,
  createTestDatabase,
  createUser,
  holdProductLock,
  type TestDatabase,
} from '../../helpers/database.ts'
import { recordLogs } from '../../helpers/logs.ts'

const HOUR = 3_600_000

describe('removeSupersededFiles', () => {
  let database: TestDatabase
  let dir: string
  let store: ImageStore
  let userId: number
  const { log } = recordLogs()

  beforeAll(async () => {
    database = await createTestDatabase()
    userId = await createUser(database.db)
    dir = await mkdtemp(path.join(tmpdir(), 'retention-'))
    store = localStore(dir)
  })
  afterAll(async () => {
    await database?.drop()
    await rm(dir, { recursive: true, force: true })
  })

  /** A product naming `named`, with `superseded` stored and recorded as superseded. */
  async function productWith({ named, superseded }: { named: string[]; superseded: string[] }) {
    const id = await createProduct(database.db, userId, named.length)
    const key = (name: string) => imageKey({ productId: id, source: name, extension: 'webp' })
    await database.db.product.update({
      where: { product_id: id },
      data: { compressed_product_images: named.map((name) => store.locationOf(key(name))) },
    })
    for (const name of [...named, ...superseded]) await store.put(key(name), Buffer.from(name))
    await recordSuperseded(database.db, id, superseded.map(key))
    return { id, key }
  }
  const listed = async (id: number) => {
    const keys: string[] = []
    for await (const key of store.list(id)) keys.push(key)
    return keys.sort()
  }
  const sweep = (retentionMs: number) => removeSupersededFiles({ db: database.db, store, retentionMs, log })

  it('keeps superseded files until their retention has passed, then removes them and forgets them', async () => {
    const { id, key } = await productWith({ named: ['1'], superseded: ['2', '3'] })
    await sweep(HOUR)
    expect(await listed(id)).toEqual([key('1'), key('2'), key('3')].sort())
    expect(await sweep(0)).toBeGreaterThanOrEqual(2)
    expect(await listed(id)).toEqual([key('1')])
    expect(await database.db.supersededImage.count({ where: { product_id: id } })).toBe(0)
  })

  it('keeps a file its product names again (settings changed back), and forgets it', async () => {
    const { id, key } = await productWith({ named: ['1'], superseded: ['1', '2'] })
    await sweep(0)
    expect(await listed(id)).toEqual([key('1')])
    expect(await database.db.supersededImage.count({ where: { product_id: id } })).toBe(0)
  })

  it('leaves a product a worker holds for a later pass', async () => {
    const { id, key } = await productWith({ named: ['1'], superseded: ['2'] })
    const lock = await holdProductLock(database.db, id)
    await sweep(0)
    expect(await listed(id)).toEqual([key('1'), key('2')])
    await lock.release()
    await sweep(0)
    expect(await listed(id)).toEqual([key('1')])
  })

  it('records nothing for a product that is gone, and a deleted product takes its rows with it', async () => {
    const { id, key } = await productWith({ named: ['1'], superseded: ['2'] })
    await database.db.product.delete({ where: { product_id: id } })
    expect(await database.db.supersededImage.count({ where: { product_id: id } })).toBe(0)
    expect(await recordSuperseded(database.db, id, [key('3')])).toBe(0)
  })

  it("records only keys of ours in the product's folder; forgets a hand-typed row, keeping its file", async () => {
    const { id, key } = await productWith({ named: ['1'], superseded: [] })
    const other = await productWith({ named: ['1'], superseded: [] })
    expect(await recordSuperseded(database.db, id, ['not/ours.txt', other.key('1'), `${id}/notes.txt`])).toBe(0)
    await database.db.supersededImage.create({ data: { product_id: id, key: `${id}/notes.txt` } })
    await sweep(0)
    expect(await database.db.supersededImage.count({ where: { product_id: id } })).toBe(0)
    expect(await listed(id)).toEqual([key('1')])
    expect(await listed(other.id)).toEqual([other.key('1')])
  })
})
