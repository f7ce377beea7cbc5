import { Readable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { readCapped } from '../../../src/images/download.ts'

const chunks = (...sizes: number[]) => Readable.from(sizes.map((n) => Buffer.alloc(n, 1)))

describe('readCapped', () => {
  it('joins the chunks of a body within the cap', async () => {
    expect((await readCapped(chunks(10, 20, 30), 60)).length).toBe(60)
  })

  it('stops reading once the cap is passed', async () => {
    const stream = chunks(40, 40, 40)
    await expect(readCapped(stream, 60)).rejects.toMatchObject({ code: 'too_large' })
    expect(stream.destroyed).toBe(true)
  })
})
