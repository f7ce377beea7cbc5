import amqp from 'amqplib'
import { randomUUID } from 'node:crypto'
import { expect, inject, it } from 'vitest'
import { brokerConfig, connectBroker } from '../../../src/queue/broker.ts'
import { recordLogs } from '../../helpers/logs.ts'

// What an earlier version left behind: its work queue, classic. A queue's type cannot change in place.
it('says how to upgrade when RabbitMQ holds the work queue as a classic queue, instead of "unreachable"', async () => {
  const namespace = `classic-${randomUUID()}`
  const queue = `${namespace}:products.process`
  const connection = await amqp.connect(inject('amqpUrl'))
  const channel = await connection.createChannel()
  await channel.assertQueue(queue, { durable: true })
  const logs = recordLogs()
  const stopping = new AbortController()
  try {
    const connecting = connectBroker(
      brokerConfig({ amqpUrl: inject('amqpUrl'), namespace }),
      logs.log,
      stopping.signal,
    ).catch(() => undefined)
    const line = await logs.waitFor((l) => l.level === 50 && String(l.msg).includes('Upgrading from classic queues'))
    expect((line.err as { message: string }).message).toMatch(/PRECONDITION.FAILED - inequivalent arg/)
    stopping.abort()
    expect(await connecting).toBeUndefined()
  } finally {
    await channel.deleteQueue(queue)
    for (const name of ['products.retry.wait', 'products.dead']) await channel.deleteQueue(`${namespace}:${name}`)
    for (const name of ['products', 'products.retry', 'products.dead']) {
      await channel.deleteExchange(`${namespace}:${name}`)
    }
    await connection.close()
  }
})
