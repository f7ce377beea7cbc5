import { describe, expect, it } from 'vitest'
import { queuesOf } from '../../helpers/broker.ts'
import { brokerConfig, PUBLICATION, recoveryOf, subscriptionOf } from '../../../src/queue/broker.ts'

describe('brokerConfig', () => {
  const config = brokerConfig({ amqpUrl: 'amqp://u:p@rabbit:5672', namespace: 'test-1', closeTimeoutMs: 7000 })
  const vhost = config.vhosts!['/']!

  it('connects to the given URL within the namespace', () => {
    expect(vhost.connections).toEqual([{ url: 'amqp://u:p@rabbit:5672' }])
    expect(vhost.namespace).toBe('test-1')
    expect(subscriptionOf(config).closeTimeout).toBe(7000)
    expect(vhost.subscriptions!.deliver_webhook).toMatchObject({ closeTimeout: 7000 })
  })

  it('lists every node of a cluster, for rascal to move on to the next when one fails', () => {
    const cluster = brokerConfig({
      amqpUrl: 'amqp://u:p@rabbit-1:5672,amqp://u:p@rabbit-2:5672, amqp://u:p@rabbit-3:5672',
    })
    expect(cluster.vhosts!['/']!.connections).toEqual([1, 2, 3].map((n) => ({ url: `amqp://u:p@rabbit-${n}:5672` })))
  })

  it('declares durable queues and persistent, confirmed publications', () => {
    for (const queue of Object.values(queuesOf(config))) expect(queue.options?.durable).toBe(true)
    expect(vhost.publications![PUBLICATION]).toMatchObject({ confirm: true, options: { persistent: true } })
  })

  it('makes every queue a quorum queue, dead-lettering at least once, with the broker capping redeliveries', () => {
    for (const queue of Object.values(queuesOf(config))) {
      expect(queue.options?.arguments?.['x-queue-type']).toBe('quorum')
    }
    const work = queuesOf(config)['products.process']!.options!.arguments!
    expect(work['x-delivery-limit']).toBe(5)
    expect(work['x-dead-letter-exchange']).toBe('products.dead')
    // Each queue that dead-letters does so at least once, which RabbitMQ honours only with reject-publish.
    for (const name of ['products.process', 'products.retry.wait']) {
      expect(queuesOf(config)[name]!.options!.arguments).toMatchObject({
        'x-dead-letter-strategy': 'at-least-once',
        'x-overflow': 'reject-publish',
      })
    }
    expect(subscriptionOf(config).redeliveries).toBeUndefined() // no per-process counter besides the broker's
  })

  it('retries through a broker-side wait queue that leads back to the work queue', () => {
    const wait = queuesOf(config)['products.retry.wait']!.options!.arguments!
    expect(wait['x-message-ttl']).toBeGreaterThan(0)
    expect(wait['x-dead-letter-exchange']).toBe('products')
  })

  it('ends the recovery chain in the dead-letter publication', () => {
    const recovery = recoveryOf(config)
    expect(recovery[0]).toMatchObject({ strategy: 'forward', publication: 'product_retry' })
    expect(recovery[0]!.attempts).toBeGreaterThan(0)
    expect(recovery.at(-1)).toMatchObject({ strategy: 'forward', publication: 'product_dead' })
  })
})
