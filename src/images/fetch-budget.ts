/** One download's share of the fetch budget. */
export interface Holding {
  /** Resolves once `bytes` more fit, and counts them against the budget. */
  take(bytes: number): Promise<void>
  /** Gives back everything taken (the source was decoded, or the download failed). */
  release(): void
}

/** The source bytes a worker holds at once: arrived so far, downloading or waiting for a core. */
export interface FetchBudget {
  open(): Holding
  /** Bytes held now. */
  held(): number
}

/**
 * Bytes are counted as they arrive, not as a server declares them: a host that drips holds only
 * what it sent, whatever Content-Length it claims. A download whose next chunk does not fit waits
 * (its body is paused, so the server waits too), except the oldest one open, which always goes on:
 * then some download always finishes, is decoded and gives its bytes back, even when every byte is
 * held by downloads half done. So the bytes held stay under `maxBytes` plus one download.
 */
export function fetchBudget(maxBytes: number): FetchBudget {
  let held = 0
  const open = new Set<{ taken: number }>() // in the order opened: the first is the oldest
  let waiting: { holding: { taken: number }; bytes: number; admit: () => void }[] = []

  const fits = (holding: { taken: number }, bytes: number) =>
    held + bytes <= maxBytes || open.values().next().value === holding
  // In turn; a waiter whose holding was released meanwhile is let go (counted for nothing).
  const admitWaiting = () => {
    waiting = waiting.filter((waiter) => {
      if (open.has(waiter.holding) && !fits(waiter.holding, waiter.bytes)) return true
      waiter.admit()
      return false
    })
  }

  return {
    held: () => held,
    open() {
      const holding = { taken: 0 }
      open.add(holding)
      const count = (bytes: number) => {
        if (!open.has(holding)) return
        held += bytes
        holding.taken += bytes
      }
      return {
        take: (bytes) => {
          if (!open.has(holding)) return Promise.resolve()
          if (fits(holding, bytes)) return Promise.resolve(count(bytes))
          return new Promise<void>((resolve) => waiting.push({ holding, bytes, admit: () => resolve(count(bytes)) }))
        },
        release() {
          if (!open.delete(holding)) return
          held -= holding.taken
          holding.taken = 0
          admitWaiting()
        },
      }
    },
  }
}
