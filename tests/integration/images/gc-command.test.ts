import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runGcCommand } from '../../../src/images/gc-command.ts'
import { recordSuperseded } from '../../../src/images/retention.ts'
import { imageKey, originalKey, sourceName } from '../../../src/images/storage/image-keys.ts'
import type { ImageStore } from '../../../src/images/storage/image-store.ts'
import { localStore } from '../../../src/images/storage/local-store.ts'
import { s3Store } from '../../../src/images/storage/s3-store.ts'
import {
  createProduct,
  createTestDatabase,
  createUser,
  holdProductLock,
  type TestDatabase,
} from '../../helpers/database.ts'
import { startS3Server } from '../../helpers/s3-server.ts'

interface Backend {
  store: ImageStore
  close(): Promise<void>
}

const backends: Record<string, () => Promise<Backend>> = {
  async local() {
    const dir = await mkdtemp(path.join(tmpdir(), 'gc-'))
    return { store: localStore(dir), close: () => rm(dir, { recursive: true, force: true }) }
  },
  async s3() {
    const server = await startS3Server()
    const client = server.client()
    const store = s3Store(
      { bucket: server.bucket, region: 'us-east-1', endpoint: server.endpoint, forcePathStyle: true },
      client,
    )
    return {
      store,
      close: async () => {
        client.destroy()
        await server.close()
      },
    }
  },
}

describe.each(Object.keys(backends))('npm run images:gc: %s', (name) => {
  let database: TestDatabase
  let backend: Backend
  let userId: number
  beforeAll(async () => {
    database = await createTestDatabase()
    userId = await createUser(database.db)
    backend = await backends[name]!()
  })
  afterAll(async () => {
    await backend?.close()
    await database?.drop()
  })

  const gc = async (...argv: string[]) => {
    const lines: string[] = []
    const code = await runGcCommand({ db: database.db, store: backend.store }, argv, {
      print: (line) => lines.push(line),
      fail: (line) => lines.push(line),
    })
    return { code, lines }
  }
  const stored = async () => {
    const keys: string[] = []
    for await (const key of backend.store.list()) keys.push(key)
    return keys.sort()
  }
  const key = (productId: number, image: string) =>
    imageKey({ productId, source: sourceName(image), extension: 'webp' })

  async function product(status: 'done' | 'processing', named: string[]) {
    const id = await createProduct(database.db, userId, named.length)
    const locations = named.map((source) => backend.store.locationOf(key(id, source)))
    await database.db.product.update({
      where: { product_id: id },
      data: status === 'done' ? { status, compressed_product_images: locations } : { status }, // processing: none yet
    })
    return id
  }

  it('lists the files no product names, removes them only with --delete, and keeps the rest', async () => {
    const done = await product('done', ['a'])
    const busy = await product('processing', ['x'])
    const withSuperseded = await product('done', ['a'])
    const gone = 2_000_000 + done // a product that never was, or was deleted by hand
    const keep = [key(done, 'a'), key(busy, 'x'), key(withSuperseded, 'a'), key(withSuperseded, 'old')]
    const orphans = [key(done, 'crashed'), originalKey(done, 'https://shop.example/gone.jpg'), key(gone, 'a')]
    for (const k of [...keep, ...orphans]) await backend.store.put(k, Buffer.from(k))
    await recordSuperseded(database.db, withSuperseded, [key(withSuperseded, 'old')])

    const dry = await gc()
    expect(dry.code).toBe(0)
    expect(dry.lines.slice(0, -2).sort()).toEqual(orphans.sort())
    expect(dry.lines.at(-2)).toMatch(/^Found 3 orphaned files in 2 products in .*; nothing removed \(dry run\)/)
    expect(dry.lines.at(-1)).toBe(`Skipped products being processed, to look at again later: ${busy}.`)
    expect(await stored()).toEqual([...keep, ...orphans].sort())

    const removed = await gc('--delete')
    expect(removed.lines.at(-2)).toMatch(/^Removed 3 orphaned files in 2 products/)
    expect(await stored()).toEqual(keep.sort())
    expect((await gc()).lines.at(-2)).toMatch(/^Found 0 orphaned files/)
  })

  it('never judges a product a worker holds: a file being written is not an orphan', async () => {
    const id = await product('done', ['a'])
    await backend.store.put(key(id, 'a'), Buffer.from('a'))
    await backend.store.put(key(id, 'being-written'), Buffer.from('b'))
    const lock = await holdProductLock(database.db, id)
    const { lines } = await gc('--delete')
    expect(lines.at(-1)).toContain(String(id))
    expect(await stored()).toContain(key(id, 'being-written'))
    await lock.release()
  })

  it('says how to use it when the arguments are wrong', async () => {
    const { code, lines } = await gc('--remove')
    expect(code).toBe(2)
    expect(lines.join('\n')).toContain('usage: npm run images:gc [-- --delete]')
  })
})

it('local: also removes what writes cut short left, once no worker holds the product', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'gc-'))
  const database = await createTestDatabase()
  try {
    const store = localStore(dir)
    await store.put(imageKey({ productId: 5, source: '0', extension: 'webp' }), Buffer.from('x'))
    await writeFile(path.join(dir, '5', '0.webp.123456'), 'half')
    const lines: string[] = []
    await runGcCommand({ db: database.db, store }, ['--delete'], { print: (line) => lines.push(line) })
    expect(lines.slice(0, -1).sort()).toEqual(['5/0.webp', '5/0.webp.123456'])
    expect(await readdir(dir)).toEqual([]) // and the folder they left empty
  } finally {
    await database.drop()
    await rm(dir, { recursive: true, force: true })
  }
})
