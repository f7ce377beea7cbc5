import { describe, expect, it } from 'vitest'
import { imageRecords, pathsOf, type ImageRecord } from '../../../src/images/image-record.ts'

const record: ImageRecord = {
  index: 1,
  path: '/srv/images/7/1.1a2b3c4d.webp',
  width: 1600,
  height: 1200,
  bytes: 120_000,
  format: 'webp',
  variants: [{ width: 256, height: 192, bytes: 6_000, path: '/srv/images/7/1.1a2b3c4d.256w.webp' }],
  thumbhash: 'YJqGPQw7sFlslqhFafSE+Q6oJ1h2iHB2Rw',
  dominant_color: '#5a6b7c',
}

describe('imageRecords', () => {
  it('reads the records a worker wrote', () => {
    expect(imageRecords([record])).toEqual([record])
  })

  it('leaves out what a hand edit made of them, and anything that is not a list', () => {
    const broken = [{ ...record, width: '1600' }, { ...record, dominant_color: 'red' }, { index: 0 }, null, 'x']
    expect(imageRecords([...broken, record])).toEqual([record])
    for (const json of [null, {}, 'images', 42]) expect(imageRecords(json)).toEqual([])
  })
})

describe('pathsOf', () => {
  it('lists the main file first, then each variant', () => {
    expect(pathsOf(record)).toEqual(['/srv/images/7/1.1a2b3c4d.webp', '/srv/images/7/1.1a2b3c4d.256w.webp'])
  })
})
