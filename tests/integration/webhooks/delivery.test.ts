import { Webhook } from 'standardwebhooks'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { webhookDeliveries } from '../../../src/metrics.ts'
import { publishProductCreated } from '../../../src/queue/broker.ts'
import { announceProduct } from '../../../src/webhooks/announce.ts'
import { deliveryRecovery } from '../../../src/webhooks/topology.ts'
import { authorizationFor } from '../../helpers/api.ts'
import { serve } from '../../helpers/image-server.ts'
import { photoJpeg } from '../../helpers/images.ts'
import { startPipeline, type TestPipeline } from '../../helpers/pipeline.ts'
import { startWebhookReceiver, type ReceivedWebhook, type WebhookReceiver } from '../../helpers/webhook-receiver.ts'

type Callback<T> = (error: Error | null, value: T) => void
interface CallbackChannel {
  checkQueue(queue: string, done: Callback<{ messageCount: number }>): void
  get(queue: string, options: { noAck: boolean }, done: Callback<false | { content: Buffer }>): void
}
interface CallbackConnection {
  createChannel(done: Callback<CallbackChannel>): void
  close(done: Callback<void>): void
}
const callback = <T>(call: (done: Callback<T>) => void) =>
  new Promise<T>((resolve, reject) => call((error, value) => (error ? reject(error) : resolve(value))))

// The whole path: API, outbox relay, worker and the webhook consumer in this process, on real
// PostgreSQL and RabbitMQ (the production topology, its waits shortened), to receivers on loopback.
describe('webhooks, end to end', () => {
  let pipeline: TestPipeline
  let headers: Record<string, string>
  const receivers: Record<'ok' | 'flaky' | 'down' | 'gone' | 'broken', WebhookReceiver> = {} as never

  const register = async (receiver: WebhookReceiver): Promise<{ id: number; secret: string }> => {
    const response = await pipeline.app.inject({
      method: 'POST',
      url: '/webhooks',
      headers,
      payload: { user_id: pipeline.userId, url: receiver.url },
    })
    expect(response.statusCode).toBe(201)
    return response.json()
  }
  const endpoint = async (id: number) =>
    (await pipeline.app.inject({ method: 'GET', url: `/webhooks/${id}`, headers })).json()
  /** Polls GET /webhooks/:id until `ready` holds (within 30 s). */
  const endpointWhen = async (id: number, ready: (body: Record<string, any>) => boolean) => {
    for (
      const deadline = Date.now() + 30_000;
      Date.now() < deadline;
      await new Promise((resolve) => setTimeout(resolve, 50))
    ) {
      const body = await endpoint(id)
      if (ready(body)) return body
    }
    throw new Error(`webhook ${id} did not reach the state awaited within 30 s`)
  }
  const verified = (secret: string, { body, headers: received }: ReceivedWebhook) =>
    new Webhook(secret).verify(body, received as Record<string, string>) as Record<string, any>
  const count = async (result: string) =>
    (await webhookDeliveries.get()).values.find((v) => v.labels.result === result)?.value ?? 0

  beforeAll(async () => {
    for (const name of ['ok', 'flaky', 'down', 'gone', 'broken'] as const) {
      receivers[name] = await startWebhookReceiver()
    }
    const photo = await photoJpeg(320, 240)
    pipeline = await startPipeline({
      routes: { '/photo.jpg': serve(photo) },
      env: {
        ALLOW_PRIVATE_WEBHOOK_URLS: Object.values(receivers)
          .map((r) => r.host)
          .join(','),
      },
      retryDelayMs: 500,
    })
    headers = await authorizationFor(pipeline.database.db, { userId: pipeline.userId })
  }, 60_000)
  // Each test's endpoints only: every endpoint of the user gets every product event.
  afterEach(() => pipeline.database.db.webhookEndpoint.deleteMany())
  afterAll(async () => {
    await pipeline?.close()
    for (const receiver of Object.values(receivers)) await receiver?.close()
  })

  it("signs the event so that the library's own verifier accepts it, with the product as GET shows it", async () => {
    const delivered = await count('delivered')
    const { id, secret } = await register(receivers.ok)
    const productId = await pipeline.postProduct(['/photo.jpg'])
    const product = await pipeline.settled(productId)
    const [request] = await receivers.ok.waitFor(1)

    const payload = verified(secret, request!)
    expect(payload).toEqual({ type: 'product.done', timestamp: product.updated_at, data: product })
    expect(request!.headers['webhook-id']).toBe(`product_${productId}_done_${Date.parse(product.updated_at)}`)
    expect(request!.headers['content-type']).toBe('application/json')
    expect(() =>
      new Webhook(`whsec_${Buffer.alloc(32, 1).toString('base64')}`).verify(request!.body, request!.headers as never),
    ).toThrow()

    const shown = await endpointWhen(id, (body) => body.attempts.length > 0)
    expect(shown.attempts).toEqual([
      expect.objectContaining({
        webhook_id: request!.headers['webhook-id'],
        attempt: 1,
        result: 'delivered',
        status_code: 200,
        error: null,
      }),
    ])
    expect(await count('delivered')).toBe(delivered + 1)
  })

  it('announces a redelivered product with the same webhook-id, a reprocessed one with a new one', async () => {
    const { secret } = await register(receivers.ok)
    const before = receivers.ok.received.length
    const productId = await pipeline.postProduct(['/photo.jpg'])
    const first = (await receivers.ok.waitFor(before + 1)).at(-1)
    expect(first!.headers['webhook-id']).toMatch(new RegExp(`^product_${productId}_done_`))

    // As after a crash between the commit and the ack: the product's message comes again.
    await publishProductCreated(pipeline.broker.broker, productId)
    const again = (await receivers.ok.waitFor(before + 2)).at(-1)!
    expect(again.headers['webhook-id']).toBe(first!.headers['webhook-id'])
    expect(verified(secret, again).type).toBe('product.done')

    expect((await pipeline.reprocess(productId)).statusCode).toBe(202)
    await pipeline.settled(productId)
    const reprocessed = (await receivers.ok.waitFor(before + 3)).at(-1)!
    expect(reprocessed.headers['webhook-id']).toMatch(new RegExp(`^product_${productId}_done_`))
    expect(reprocessed.headers['webhook-id']).not.toBe(first!.headers['webhook-id'])
  })

  it('sends product.failed with the image errors', async () => {
    const { secret } = await register(receivers.ok)
    const before = receivers.ok.received.length
    const productId = await pipeline.postProduct(['/photo.jpg', '/missing.jpg'])
    const product = await pipeline.settled(productId)
    expect(product.status).toBe('failed')
    const payload = verified(secret, (await receivers.ok.waitFor(before + 1)).at(-1)!)
    expect(payload.type).toBe('product.failed')
    expect(payload.data.image_errors).toEqual([expect.objectContaining({ index: 1, code: 'http_404' })])
  })

  it('retries a receiver that answers 500 twice, then 200: three times, one webhook-id', async () => {
    receivers.flaky.answers.push(500, 500)
    const { id, secret } = await register(receivers.flaky)
    await pipeline.postProduct(['/photo.jpg'])
    const requests = await receivers.flaky.waitFor(3)
    expect(requests.map((r) => r.status)).toEqual([500, 500, 200])
    expect(new Set(requests.map((r) => r.headers['webhook-id'])).size).toBe(1)
    for (const request of requests) expect(verified(secret, request).type).toBe('product.done')

    const shown = await endpointWhen(id, (body) => body.attempts.length === 3)
    expect(shown.attempts.map((a: Record<string, unknown>) => [a.attempt, a.result, a.status_code, a.error])).toEqual([
      [3, 'delivered', 200, null],
      [2, 'failed', 500, 'http_500'],
      [1, 'failed', 500, 'http_500'],
    ])
  })

  it('delivers to a receiver that was down during the event once it is back', async () => {
    await receivers.down.stop()
    const { id, secret } = await register(receivers.down)
    const productId = await pipeline.postProduct(['/photo.jpg'])
    const failed = await endpointWhen(id, (body) => body.attempts.length > 0)
    expect(failed.attempts[0]).toMatchObject({ result: 'failed', status_code: null, error: 'unreachable' })

    await receivers.down.start()
    const [request] = await receivers.down.waitFor(1)
    expect(request!.headers['webhook-id']).toBe(failed.attempts[0].webhook_id)
    expect(verified(secret, request!).data.product_id).toBe(productId)
  })

  it('gives up after the last attempt, leaving the event in webhooks.dead', async () => {
    receivers.broken.answers.push(...Array<number>(20).fill(503))
    const { id } = await register(receivers.broken)
    await pipeline.postProduct(['/photo.jpg'])
    const attempts = deliveryRecovery(pipeline.broker.config).length // the retries, and the first attempt
    const shown = await endpointWhen(id, (body) => body.attempts[0]?.result === 'gave_up')
    expect(shown.attempts).toHaveLength(attempts)
    expect(shown.attempts.map((a: { attempt: number }) => a.attempt)).toEqual(
      Array.from({ length: attempts }, (_, i) => attempts - i),
    )
    expect(new Set(receivers.broken.received.map((r) => r.headers['webhook-id'])).size).toBe(1)

    // rascal hands out amqplib's callback API, whatever its types say.
    const connection = (await pipeline.broker.broker.connect('/')) as unknown as CallbackConnection
    try {
      const channel = await callback<CallbackChannel>((done) => connection.createChannel(done))
      const dead = `${pipeline.config.AMQP_NAMESPACE}:webhooks.dead`
      const depth = async () =>
        (await callback<{ messageCount: number }>((done) => channel.checkQueue(dead, done))).messageCount
      for (
        const deadline = Date.now() + 10_000;
        (await depth()) < 1;
        await new Promise((resolve) => setTimeout(resolve, 50))
      ) {
        if (Date.now() > deadline) throw new Error('the event did not reach webhooks.dead')
      }
      const message = await callback<false | { content: Buffer }>((done) => channel.get(dead, { noAck: true }, done))
      expect(message && JSON.parse(message.content.toString())).toMatchObject({ endpoint_id: id })
    } finally {
      await callback<void>((done) => connection.close(done))
    }
  })

  it('disables an endpoint whose receiver answers 410 Gone', async () => {
    receivers.gone.answers.push(410)
    const { id } = await register(receivers.gone)
    const productId = await pipeline.postProduct(['/photo.jpg'])
    await receivers.gone.waitFor(1)
    const shown = await endpointWhen(id, (body) => !body.enabled)
    expect(shown.disabled_at).not.toBeNull()
    expect(shown.attempts).toEqual([expect.objectContaining({ result: 'gone', status_code: 410 })])
    // Nothing more is queued for it: the user has no other endpoint.
    expect(await announceProduct(pipeline.database.db, pipeline.broker.broker, productId)).toBe(0)
  })
})
