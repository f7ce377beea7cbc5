import amqp, { type ConsumeMessage } from 'amqplib'
import { afterAll, beforeAll, expect, inject, it } from 'vitest'
import { publishProductCreated } from '../../../src/queue/broker.ts'
import { createTestBroker, queuesOf, type TestBroker } from '../../helpers/broker.ts'
import { recordLogs } from '../../helpers/logs.ts'

// Poison that no handler ever gets to reject: the message takes its consumer down each time
// (a crash, an out-of-memory kill). No worker process lives to count it; the quorum queue does.
let broker: TestBroker
beforeAll(async () => {
  broker = await createTestBroker(recordLogs().log)
})
afterAll(() => broker?.close())

/** A consumer that takes one message and dies holding it: its connection closes, the message unacked. */
async function crashOnNextMessage(queue: string): Promise<ConsumeMessage | undefined> {
  const connection = await amqp.connect(inject('amqpUrl'))
  try {
    const channel = await connection.createChannel()
    await channel.prefetch(1)
    return await new Promise<ConsumeMessage | undefined>((resolve) => {
      void channel.consume(queue, (message) => resolve(message ?? undefined))
      setTimeout(() => resolve(undefined), 2000)
    })
  } finally {
    await connection.close()
  }
}

it(
  'dead-letters a message that keeps crashing its consumers once x-delivery-limit redeliveries are spent',
  { timeout: 60_000 },
  async () => {
    const limit = queuesOf(broker.config)['products.process']!.options!.arguments!['x-delivery-limit'] as number
    const queue = `${broker.config.vhosts!['/']!.namespace as string}:products.process`
    await publishProductCreated(broker.broker, 424_242)

    const deliveries: ConsumeMessage[] = []
    while (broker.deadLetters.length === 0 && deliveries.length <= limit + 1) {
      const message = await crashOnNextMessage(queue)
      if (message) deliveries.push(message)
    }

    expect(deliveries).toHaveLength(limit + 1) // the first delivery and `limit` redeliveries
    expect(deliveries.map((m) => m.properties.headers?.['x-delivery-count'] ?? 0)).toEqual([...Array(limit + 1).keys()])
    await expect.poll(() => broker.deadLetters.length, { timeout: 10_000 }).toBe(1)
    const dead = broker.deadLetters[0]!
    expect(JSON.parse(dead.content.toString())).toEqual({ product_id: 424_242 })
    expect(dead.properties.headers?.['x-death']).toEqual([
      expect.objectContaining({ reason: 'delivery_limit', queue, count: 1 }),
    ])
  },
)
