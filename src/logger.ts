import { pino, type Logger } from 'pino'
import type { Config } from './config.ts'

export type { Logger }

/** JSON lines, the format log collectors read. */
export function createLogger(config: Pick<Config, 'LOG_LEVEL'>, name: string): Logger {
  return pino({ name, level: config.LOG_LEVEL })
}
