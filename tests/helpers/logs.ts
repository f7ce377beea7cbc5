import { Writable } from 'node:stream'
import { pino, type Logger } from 'pino'

export type Line = Record<string, unknown>

export interface LogLines {
  lines: Line[]
  /** Parses pino's JSON lines out of a chunk of output (other text is kept as { text }). */
  push(chunk: string): void
  /** Resolves with the first line (already seen or still to come) that matches. */
  waitFor(match: (line: Line) => boolean, timeoutMs?: number): Promise<Line>
}

export function collectLines(): LogLines {
  const lines: Line[] = []
  const waiters = new Set<{ match: (line: Line) => boolean; resolve: (line: Line) => void }>()
  const parse = (text: string): Line => {
    try {
      return JSON.parse(text) as Line
    } catch {
      return { text }
    }
  }
  return {
    lines,
    push(chunk) {
      for (const line of chunk.split('\n').filter(Boolean).map(parse)) {
        lines.push(line)
        for (const waiter of waiters) {
          if (waiter.match(line)) {
            waiters.delete(waiter)
            waiter.resolve(line)
          }
        }
      }
    },
    waitFor(match, timeoutMs = 20_000) {
      const seen = lines.find(match)
      if (seen) return Promise.resolve(seen)
      return new Promise((resolve, reject) => {
        const waiter = { match, resolve }
        waiters.add(waiter)
        setTimeout(() => {
          waiters.delete(waiter)
          reject(
            new Error(
              `no matching log line within ${timeoutMs} ms; last lines:\n${lines
                .slice(-5)
                .map((l) => JSON.stringify(l))
                .join('\n')}`,
            ),
          )
        }, timeoutMs).unref()
      })
    },
  }
}

export interface LogRecorder extends Omit<LogLines, 'push'> {
  log: Logger
}

/** A real pino logger whose lines the test can wait for, instead of sleeping. */
export function recordLogs(): LogRecorder {
  const { push, ...collected } = collectLines()
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      push(chunk.toString())
      done()
    },
  })
  return { ...collected, log: pino({ level: 'info' }, stream) }
}
