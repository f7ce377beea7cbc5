import { pino, type Logger } from 'pino'
import type { Config } from './config.ts'

export type { Logger }

/** JSON lines, the format log collectors read; readable lines for a developer at a terminal. */
export function createLogger(config: Pick<Config, 'LOG_LEVEL' | 'NODE_ENV'>, name: string): Logger {
  const pretty = config.NODE_ENV === 'development' && process.stdout.isTTY
  return pino({ name, level: config.LOG_LEVEL, ...(pretty && { transport: { target: 'pino-pretty' } }) })
}
