import { describe, expect, it } from 'vitest'
import { isDatabaseUnavailable } from '../../../src/db/errors.ts'
import { Prisma } from '../../../src/generated/prisma/client.ts'

const known = (code: string, cause?: object) =>
  new Prisma.PrismaClientKnownRequestError('failed', {
    code,
    clientVersion: 'test',
    meta: cause && { driverAdapterError: { cause } },
  })

describe('isDatabaseUnavailable', () => {
  it.each([
    ['unreachable server', known('P1001', { kind: 'DatabaseNotReachable' })],
    ['connection closed', known('P1017')],
    ['pool timeout', known('P2024')],
    ['a closed connection seen by the adapter', known('P2010', { kind: 'ConnectionClosed' })],
    ['the server shutting down', known('P2010', { kind: 'postgres', code: '57P01' })],
    ['a connection exception', known('P2010', { kind: 'postgres', code: '08006' })],
    ['a client that could not start', new Prisma.PrismaClientInitializationError('no server', 'test')],
  ])('is true for %s', (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true)
  })

  it.each([
    ['a foreign key violation', known('P2003')],
    ['a missing record', known('P2025')],
    ['a syntax error', known('P2010', { kind: 'postgres', code: '42601' })],
    ['an unrelated error', new Error('ECONNRESET')],
    ['not an error', 'P1001'],
  ])('is false for %s', (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false)
  })
})
