import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { withProductLock, withProductLockIfFree } from '../../../src/db/product-lock.ts'
import { createTestDatabase, holdProductLock, type TestDatabase } from '../../helpers/database.ts'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('withProductLock', () => {
  let database: TestDatabase
  beforeAll(async () => {
    database = await createTestDatabase()
  })
  afterAll(() => database?.drop())

  /** Runs `work` for each id at once, and returns the order in which they started and ended. */
  async function race(ids: number[]) {
    const events: string[] = []
    await Promise.all(
      ids.map((id, n) =>
        withProductLock(database.db, id, async () => {
          events.push(`start ${n}`)
          await sleep(300)
          events.push(`end ${n}`)
        }),
      ),
    )
    return events
  }

  it('runs the same product one at a time', async () => {
    const events = await race([7, 7])
    expect(events.slice(0, 2)).toEqual([events[0], events[0]!.replace('start', 'end')])
  })

  it('runs different products side by side', async () => {
    const events = await race([8, 9])
    expect(events.slice(0, 2).every((event) => event.startsWith('start'))).toBe(true)
  })

  it('returns what the work returns, and lets go when it throws', async () => {
    expect(await withProductLock(database.db, 10, async () => 'done')).toBe('done')
    await expect(withProductLock(database.db, 10, async () => Promise.reject(new Error('broken')))).rejects.toThrow(
      'broken',
    )
    expect(await withProductLock(database.db, 10, async () => 'again')).toBe('again')
  })

  it('lets go when the connection holding it dies, as when a worker is killed', async () => {
    let holder = 0
    let finish = () => {}
    const held = withProductLock(database.db, 11, async () => {
      holder = (
        await database.db.$queryRaw<
          { pid: number }[]
        >`SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objid = 11 AND granted`
      )[0]!.pid
      await new Promise<void>((resolve) => (finish = resolve))
    })
    await expect.poll(() => holder).toBeGreaterThan(0)
    await database.db.$queryRaw`SELECT pg_terminate_backend(${holder}::int)`
    expect(await withProductLock(database.db, 11, async () => 'free')).toBe('free')
    // The dead transaction cannot commit: the work's caller hears of it.
    finish()
    await expect(held).rejects.toThrow()
  })

  it('withProductLockIfFree skips a product whose lock is held, and runs one that is free', async () => {
    const lock = await holdProductLock(database.db, 12)
    let ran = false
    expect(await withProductLockIfFree(database.db, 12, async () => (ran = true))).toBeUndefined()
    expect(ran).toBe(false)
    expect(await withProductLockIfFree(database.db, 13, async () => 'free')).toBe('free')
    await lock.release()
    expect(await withProductLockIfFree(database.db, 12, async () => 'free now')).toBe('free now')
  })
})
