import { createRequire } from 'node:module'
import { pino, type Logger } from 'pino'
import type { Config } from './config.ts'

export type { Logger }

/** pino-pretty is a dev dependency: an install without dev dependencies has JSON lines only. */
function prettyInstalled(): boolean {
  try {
    createRequire(import.meta.url).resolve('pino-pretty')
    return true
  } catch {
    return false
  }
}

/** JSON lines, the format log collectors read; readable lines for a developer at a terminal. */
export function createLogger(config: Pick<Config, 'LOG_LEVEL' | 'NODE_ENV'>, name: string): Logger {
  const pretty = config.NODE_ENV === 'development' && process.stdout.isTTY && prettyInstalled()
  return pino({ name, level: config.LOG_LEVEL, ...(pretty && { transport: { target: 'pino-pretty' } }) })
}
