import { Writable } from 'node:stream'
import { pino, type Logger } from 'pino'

type Line = Record<string, unknown>

export interface LogRecorder {
  log: Logger
  lines: Line[]
  /** Resolves with the first line (already written or still to come) that matches. */
  waitFor(match: (line: Line) => boolean, timeoutMs?: number): Promise<Line>
}

/** A real pino logger whose lines the test can wait for, instead of sleeping. */
export function recordLogs(): LogRecorder {
  const lines: Line[] = []
  const waiters = new Set<{ match: (line: Line) => boolean; resolve: (line: Line) => void }>()
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString().split('\n').filter(Boolean)) {
        const line = JSON.parse(text) as Line
        lines.push(line)
        for (const waiter of waiters) if (waiter.match(line)) (waiters.delete(waiter), waiter.resolve(line))
      }
      done()
    },
  })
  return {
    log: pino({ level: 'info' }, stream),
    lines,
    waitFor(match, timeoutMs = 20_000) {
      const seen = lines.find(match)
      if (seen) return Promise.resolve(seen)
      return new Promise((resolve, reject) => {
        const waiter = { match, resolve }
        waiters.add(waiter)
        setTimeout(() => {
          waiters.delete(waiter)
          reject(new Error(`no matching log line within ${timeoutMs} ms; last lines:\n${lines.slice(-5).map((l) => JSON.stringify(l)).join('\n')}`))
        }, timeoutMs).unref()
      })
    },
  }
}
