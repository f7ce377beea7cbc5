import { describe, expect, it } from 'vitest'
import { fetchBudget } from '../../../src/images/fetch-budget.ts'

const settledYet = (promise: Promise<unknown>) =>
  Promise.race([promise.then(() => true), new Promise((resolve) => setImmediate(resolve, false))])

describe('fetchBudget', () => {
  it('counts bytes as they are taken and gives them all back on release', async () => {
    const budget = fetchBudget(100)
    const holding = budget.open()
    await holding.take(30)
    await holding.take(20)
    expect(budget.held()).toBe(50)
    holding.release()
    expect(budget.held()).toBe(0)
  })

  it('holds a chunk back until it fits, and lets it in once room is given back', async () => {
    const budget = fetchBudget(100)
    const [first, second] = [budget.open(), budget.open()]
    await first.take(80)
    const waiting = second.take(30)
    expect(await settledYet(waiting)).toBe(false)
    first.release()
    await waiting
    expect(budget.held()).toBe(30)
  })

  it('always lets the oldest open download go on: half-done downloads never block each other', async () => {
    const budget = fetchBudget(100)
    const [oldest, younger] = [budget.open(), budget.open()]
    await younger.take(90)
    await oldest.take(50) // past the budget: the oldest never waits
    expect(budget.held()).toBe(140)
    expect(await settledYet(younger.take(10))).toBe(false)
  })

  it('hands the overdraft to the next oldest once the oldest is released', async () => {
    const budget = fetchBudget(100)
    const [oldest, next] = [budget.open(), budget.open()]
    await oldest.take(100)
    const waiting = next.take(40)
    expect(await settledYet(waiting)).toBe(false)
    oldest.release()
    await waiting
    expect(budget.held()).toBe(40)
  })

  it('lets go of a waiter whose download was released meanwhile, counting nothing for it', async () => {
    const budget = fetchBudget(100)
    const [first, second] = [budget.open(), budget.open()]
    await first.take(100)
    const waiting = second.take(50)
    second.release()
    first.release()
    await waiting
    expect(budget.held()).toBe(0)
  })

  it('counts a slow host only for what it sent, whatever it declared', async () => {
    const budget = fetchBudget(100)
    const dripping = budget.open()
    await dripping.take(1)
    const ordinary = budget.open()
    await ordinary.take(99)
    expect(budget.held()).toBe(100)
  })
})
