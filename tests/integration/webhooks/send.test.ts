import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseAddressPolicy } from '../../../src/images/address-policy.ts'
import { createSender, type Sender } from '../../../src/webhooks/send.ts'
import { startImageServer, type ImageServer } from '../../helpers/image-server.ts'

// Each delivery passes the address policy again (a URL registered while allowed, or a name that
// now resolves elsewhere), follows no redirect, and ends within its deadline.
describe('sending a webhook', () => {
  let server: ImageServer
  let allowed: Sender
  let strict: Sender
  const received: string[] = []
  const request = { headers: { 'webhook-id': 'w' }, body: '{}' }

  beforeAll(async () => {
    server = await startImageServer({
      '/hooks': (req, res) => {
        req.resume().on('end', () => {
          received.push(req.headers['webhook-id'] as string)
          res.writeHead(204).end()
        })
      },
      '/moved': (_req, res) => res.writeHead(302, { location: '/hooks' }).end(),
      '/silent': () => {}, // never answers
    })
    allowed = createSender({ timeoutMs: 500, addressPolicy: parseAddressPolicy(server.host) })
    strict = createSender({ timeoutMs: 500, addressPolicy: parseAddressPolicy('false') })
  })
  afterAll(async () => {
    await allowed?.close()
    await strict?.close()
    await server?.close()
  })

  it('POSTs the signed request where the policy allows it', async () => {
    expect(await allowed.send(server.url('/hooks'), request)).toEqual({ statusCode: 204 })
    expect(received).toEqual(['w'])
  })

  it('refuses a loopback receiver without connecting when the policy does not allow it', async () => {
    const before = server.hits.get('/hooks')
    expect(await strict.send(server.url('/hooks'), request)).toMatchObject({ error: 'blocked_address' })
    expect(server.hits.get('/hooks')).toBe(before)
  })

  it('follows no redirect', async () => {
    const before = server.hits.get('/hooks')
    expect(await allowed.send(server.url('/moved'), request)).toEqual({ statusCode: 302 })
    expect(server.hits.get('/hooks')).toBe(before)
  })

  it('gives up on a receiver that does not answer in time', async () => {
    expect(await allowed.send(server.url('/silent'), request)).toMatchObject({ error: 'timeout' })
  })

  it('refuses a URL that is no http(s) URL, and calls a closed port unreachable', async () => {
    expect(await allowed.send('ftp://127.0.0.1/x', request)).toMatchObject({ error: 'bad_url' })
    const closed = createSender({ timeoutMs: 500, addressPolicy: parseAddressPolicy('true') })
    try {
      expect(await closed.send('http://127.0.0.1:1/x', request)).toMatchObject({ error: 'unreachable' })
    } finally {
      await closed.close()
    }
  })
})
