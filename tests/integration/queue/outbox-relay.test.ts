import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { relayPending, startOutboxRelay } from '../../../src/queue/outbox-relay.ts'
import { createTestDatabase, createUser, type TestDatabase } from '../../helpers/database.ts'
import { recordLogs } from '../../helpers/logs.ts'

describe('outbox relay', () => {
  let database: TestDatabase
  let userId: number

  beforeAll(async () => {
    database = await createTestDatabase()
    userId = await createUser(database.db)
  })
  afterAll(() => database?.drop())
  beforeEach(() =>
    database.db.$transaction([database.db.product.deleteMany(), database.db.productDeletion.deleteMany()]),
  )

  // Stored but never published: as after an API crash between the commit and the publish.
  const storeProducts = async (count: number) => {
    const data = Array.from({ length: count }, (_, i) => ({
      user_id: userId,
      product_name: `p${i}`,
      product_description: '',
      product_images: ['http://x/y.jpg'],
      product_price: 1,
    }))
    return (await database.db.product.createManyAndReturn({ data, select: { product_id: true } })).map(
      (p) => p.product_id,
    )
  }
  const unqueued = () => database.db.product.count({ where: { queued_at: null } })
  /** A publish that succeeds and records the ids it was given. */
  const recordingInto = (published: number[]) => async (id: number) => {
    published.push(id)
  }

  it('publishes stored products and marks them queued', async () => {
    const ids = await storeProducts(3)
    const published: number[] = []
    expect(await relayPending(database.db, recordingInto(published))).toBe(3)
    expect(published.sort()).toEqual(ids.sort())
    expect(await unqueued()).toBe(0)
    expect(await relayPending(database.db, recordingInto(published))).toBe(0)
  })

  it('publishes deleted products too, so that a worker removes their files, and marks them queued', async () => {
    const [, deleted] = await storeProducts(2)
    await relayPending(database.db, async () => {})
    await database.db.$transaction([
      database.db.product.delete({ where: { product_id: deleted } }),
      database.db.productDeletion.create({ data: { product_id: deleted! } }),
    ])
    const published: number[] = []
    await expect(relayPending(database.db, () => Promise.reject(new Error('broker down')))).rejects.toThrow()
    expect(await database.db.productDeletion.count({ where: { queued_at: null } })).toBe(1)
    expect(await relayPending(database.db, recordingInto(published))).toBe(1)
    expect(published).toEqual([deleted])
    expect(await database.db.productDeletion.count({ where: { queued_at: null } })).toBe(0)
  })

  it('marks nothing when a publish fails, so the next pass publishes again', async () => {
    await storeProducts(3)
    const brokerDown = () => Promise.reject(new Error('broker down'))
    await expect(relayPending(database.db, brokerDown)).rejects.toThrow('broker down')
    expect(await unqueued()).toBe(3)
    expect(await relayPending(database.db, async () => {})).toBe(3)
  })

  it('lets relays in several processes run side by side without publishing a product twice', async () => {
    const ids = await storeProducts(40)
    const published: number[] = []
    const slowPublish = async (id: number) => {
      await sleep(5)
      published.push(id)
    }
    const relays = Array.from({ length: 3 }, () => async () => {
      while ((await relayPending(database.db, slowPublish, 5)) > 0);
    })
    await Promise.all(relays.map((relay) => relay()))
    expect(published.length).toBe(ids.length)
    expect(new Set(published).size).toBe(ids.length)
  })

  it('started after a crash, catches up with what was stored but not published', async () => {
    const ids = await storeProducts(5)
    const published: number[] = []
    const relay = startOutboxRelay({
      db: database.db,
      publish: recordingInto(published),
      log: recordLogs().log,
      intervalMs: 50,
    })
    try {
      await expect.poll(unqueued).toBe(0)
      expect(published.sort()).toEqual(ids.sort())
    } finally {
      await relay.stop()
    }
  })

  it('keeps trying while publishing fails and delivers once it works', async () => {
    await storeProducts(2)
    let brokerUp = false
    const logs = recordLogs()
    const relay = startOutboxRelay({
      db: database.db,
      publish: async () => {
        if (!brokerUp) throw new Error('broker down')
      },
      log: logs.log,
      intervalMs: 50,
    })
    try {
      await logs.waitFor((line) => line.msg === 'outbox relay could not publish; will retry')
      expect(await unqueued()).toBe(2)
      brokerUp = true
      await expect.poll(unqueued).toBe(0)
    } finally {
      await relay.stop()
    }
  })
})
