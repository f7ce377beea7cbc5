import { Prisma } from '../generated/prisma/client.ts'

// Prisma's codes for "the server is not there": can't reach, timed out, connection closed.
const UNAVAILABLE_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024'])
const UNAVAILABLE_KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TlsConnectionError'])
// SQLSTATE classes 08 (connection exception) and 57P (server shutting down or starting).
const UNAVAILABLE_SQLSTATE = /^(08|57P)/

/** True when the database is down or unreachable, as opposed to a query that is wrong. */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (error instanceof Prisma.PrismaClientInitializationError) return true
  if (!(error instanceof Prisma.PrismaClientKnownRequestError)) return false
  const cause = (error.meta?.driverAdapterError as { cause?: { kind?: string; code?: string } } | undefined)?.cause
  return (
    UNAVAILABLE_CODES.has(error.code) ||
    UNAVAILABLE_KINDS.has(cause?.kind ?? '') ||
    UNAVAILABLE_SQLSTATE.test(cause?.code ?? '')
  )
}

/** True when a row names a row of another table that does not exist (a foreign key refused it). */
export const isMissingReference = (error: unknown): boolean =>
  error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2003'
