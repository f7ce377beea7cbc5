import type { QueueConfig } from 'rascal'
import { describe, expect, it } from 'vitest'
import { brokerConfig } from '../../../src/queue/broker.ts'
import { deliveryRecovery } from '../../../src/webhooks/topology.ts'

// rascal.config.json's webhook retries, read as RabbitMQ will run them.
describe('the webhook retry schedule', () => {
  const config = brokerConfig({ amqpUrl: 'amqp://localhost' })
  const vhost = config.vhosts!['/']!
  const queues = vhost.queues as Record<string, QueueConfig>
  const recovery = deliveryRecovery(config)
  const retries = recovery.slice(0, -1)
  /** The wait queue a routing key of webhooks.wait reaches. */
  const waitQueue = (routingKey: string) => {
    const binding = Object.keys(vhost.bindings!).find((b) => b.startsWith(`webhooks.wait[${routingKey}] -> `))
    return binding?.split(' -> ')[1]
  }
  const ttl = (queue: string) => queues[queue]!.options!.arguments!['x-message-ttl'] as number

  it('forwards each retry to a wait queue of its own, counting attempts one by one, then to webhooks.dead', () => {
    expect(retries.map((step) => step.attempts)).toEqual(retries.map((_, i) => i + 1))
    for (const step of retries) {
      expect(step).toMatchObject({ strategy: 'forward', publication: 'webhook_wait' })
      const queue = waitQueue((step as { options: { routingKey: string } }).options.routingKey)
      expect(queue, JSON.stringify(step)).toBeDefined()
      // Expired, the event goes back to the delivery queue.
      expect(queues[queue!]!.options!.arguments).toMatchObject({
        'x-queue-type': 'quorum',
        'x-dead-letter-exchange': 'webhooks',
        'x-dead-letter-routing-key': 'webhook.event',
        'x-dead-letter-strategy': 'at-least-once',
        'x-overflow': 'reject-publish',
      })
    }
    expect(recovery.at(-1)).toEqual({ strategy: 'forward', publication: 'webhook_dead' })
  })

  it('waits longer each time, about a day in all', () => {
    const waits = retries.map((step) =>
      ttl(waitQueue((step as { options: { routingKey: string } }).options.routingKey)!),
    )
    for (let i = 1; i < waits.length; i++) expect(waits[i]).toBeGreaterThan(waits[i - 1]!)
    const hours = waits.reduce((sum, ms) => sum + ms, 0) / 3_600_000
    expect(hours).toBeGreaterThan(20)
    expect(hours).toBeLessThan(30)
  })
})
