import Fastify from 'fastify'
import { describe, expect, it } from 'vitest'
import errorHandler, { statusOf } from '../../src/error-handler.ts'
import { recordLogs } from '../helpers/logs.ts'

/** An app whose routes fail in the ways a real one can. */
async function failingApp() {
  const logs = recordLogs()
  const app = Fastify({ loggerInstance: logs.log })
  await app.register(errorHandler)
  app.get('/bug', async () => {
    throw new Error('Invalid `prisma.product.findMany()` invocation: connect ECONNREFUSED 10.0.0.7:5432')
  })
  app.get('/overloaded', async () => {
    throw Object.assign(new Error('pool exhausted'), { statusCode: 503, code: 'POOL' })
  })
  app.get('/teapot', async () => {
    throw Object.assign(new Error('short and stout'), { statusCode: 418, headers: { 'x-kind': 'teapot' } })
  })
  app.get(
    '/validated',
    { schema: { querystring: { type: 'object', properties: { n: { type: 'integer', maximum: 9 } } } } },
    async () => 'ok',
  )
  await app.register(async (scope) => {
    scope.get('/nested', async () => {
      throw new Error('nested secret')
    })
  })
  return { app, logs }
}

describe('the error handler', () => {
  it.each([
    ['/bug', 500, 'Internal Server Error', 'internal server error'],
    ['/overloaded', 503, 'Service Unavailable', 'service unavailable'],
    ['/nested', 500, 'Internal Server Error', 'internal server error'],
  ])(
    'answers %s with %i saying only that the server failed, with the request id; the details go to the log',
    async (url, statusCode, error, message) => {
      const { app, logs } = await failingApp()
      const response = await app.inject({ method: 'GET', url })
      expect(response.statusCode).toBe(statusCode)
      expect(response.json()).toEqual({ statusCode, error, message, request_id: expect.any(String) })
      const logged = logs.lines.find((line) => line.reqId === response.json().request_id && line.level === 50)
      expect(logged?.err).toMatchObject({ message: expect.any(String), stack: expect.any(String) })
    },
  )

  it('leaves a client error as Fastify answers it: its status, headers and message', async () => {
    const { app } = await failingApp()
    const teapot = await app.inject({ method: 'GET', url: '/teapot' })
    expect(teapot.statusCode).toBe(418)
    expect(teapot.headers['x-kind']).toBe('teapot')
    expect(teapot.json()).toMatchObject({ statusCode: 418, message: 'short and stout' })
    const invalid = await app.inject({ method: 'GET', url: '/validated?n=10' })
    expect(invalid.statusCode).toBe(400)
    expect(invalid.json()).toMatchObject({
      statusCode: 400,
      error: 'Bad Request',
      message: 'querystring/n must be <= 9',
    })
  })
})

describe('statusOf', () => {
  it("takes the error's status, else the reply's, else 500", () => {
    expect(statusOf({ statusCode: 404 }, { statusCode: 200 })).toBe(404)
    expect(statusOf({}, { statusCode: 401 })).toBe(401)
    expect(statusOf({}, { statusCode: 200 })).toBe(500)
    expect(statusOf({ statusCode: 302 }, { statusCode: 200 })).toBe(500)
  })
})
