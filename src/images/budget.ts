import { Semaphore } from 'async-mutex'

/** Room for an amount held at once: pixels decoding, source bytes in memory. */
export interface Budget {
  /** Waits until `amount` fits in what is left, takes it, and returns what gives it back. */
  reserve(amount: number): Promise<() => void>
}

/**
 * A budget of `total`, counted in whole `unit`s: async-mutex's semaphore spends time in proportion
 * to the count (56 ms a decode when counted in pixels against a 24 M budget), and a tiny amount
 * still takes a share. An amount larger than the whole budget takes all of it, so it runs alone
 * instead of never. Waiters are served in turn: a large amount is not starved by small ones.
 */
export function budget(total: number, unit: number): Budget {
  const units = (amount: number) => Math.max(1, Math.ceil(amount / unit))
  const capacity = units(total)
  const semaphore = new Semaphore(capacity)
  return {
    async reserve(amount) {
      const [, release] = await semaphore.acquire(Math.min(units(amount), capacity))
      return release
    },
  }
}
