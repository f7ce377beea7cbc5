import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { startApi } from '../../src/api.ts'
import { loadConfig } from '../../src/config.ts'
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts'
import { recordLogs } from '../helpers/logs.ts'

// The API process as main.ts starts it, without a broker (it serves before one is reachable).
let database: TestDatabase
let api: Awaited<ReturnType<typeof startApi>> | undefined
beforeAll(async () => {
  database = await createTestDatabase()
})
afterAll(async () => {
  await api?.stop()
  await database?.drop()
})

it('serves the public port on HOST, and /metrics and the probes on loopback (OPERATIONS_HOST) only', async () => {
  const config = loadConfig({ DATABASE_URL: database.url, HOST: '0.0.0.0', PORT: '0', OPERATIONS_PORT: '0' })
  const broker = Promise.reject(new Error('no broker in this test'))
  broker.catch(() => {}) // startApi handles it, once it has started
  api = await startApi({ config, db: database.db, broker, log: recordLogs().log })
  expect((api.app.server.address() as AddressInfo).address).toBe('0.0.0.0')
  expect((api.operations.server.address() as AddressInfo).address).toBe('127.0.0.1')
  expect((await api.operations.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(200)
})
