import { expect, it } from 'vitest'
import { imageSlots } from '../../../src/images/image-slots.ts'

const tick = () => new Promise((resolve) => setTimeout(resolve, 5))

it('runs at most as many tasks at once as there are slots', async () => {
  const slots = imageSlots(2)
  let running = 0
  let peak = 0
  const task = async () => {
    peak = Math.max(peak, ++running)
    await tick()
    running--
  }
  await Promise.all([slots.start(task), slots.start(task), slots.finish(task), slots.start(task), slots.finish(task)])
  expect(peak).toBe(2)
})

it('runs the tasks that finish an image before those that begin one, each kind in turn', async () => {
  const slots = imageSlots(1)
  const order: string[] = []
  const task = (name: string) => async () => {
    order.push(name)
    await tick()
  }
  const first = slots.start(task('begin a'))
  const waiting = [
    slots.start(task('begin b')),
    slots.start(task('begin c')),
    slots.finish(task('finish a 1')),
    slots.finish(task('finish a 2')),
  ]
  await Promise.all([first, ...waiting])
  expect(order).toEqual(['begin a', 'finish a 1', 'finish a 2', 'begin b', 'begin c'])
})

it('returns what the task returns and passes its failure on, freeing its slot', async () => {
  const slots = imageSlots(1)
  await expect(slots.start(async () => Promise.reject(new Error('corrupt')))).rejects.toThrow('corrupt')
  expect(await slots.finish(async () => 'variant')).toBe('variant')
})
