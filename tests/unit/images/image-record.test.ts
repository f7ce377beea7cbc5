import { describe, expect, it } from 'vitest'
import { carryOver, imageRecords, namedKeys, pathsOf, type ImageRecord } from '../../../src/images/image-record.ts'
import { supersededBy } from '../../../src/images/retention.ts'

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

describe('namedKeys', () => {
  it('names the main files, variants and kept originals, local paths and S3 URIs alike', () => {
    const original = {
      ...record,
      index: 0,
      path: 's3://bucket/7/aa.1a2b3c4d.webp',
      variants: [],
      original: 's3://bucket/7/aa.original',
    }
    const keys = namedKeys({ compressed_product_images: [record.path, original.path], images: [record, original] })
    expect([...keys].sort()).toEqual([
      '7/1.1a2b3c4d.256w.webp',
      '7/1.1a2b3c4d.webp',
      '7/aa.1a2b3c4d.webp',
      '7/aa.original',
    ])
  })

  it('names the paths of a product processed before image records existed', () => {
    expect([...namedKeys({ compressed_product_images: ['/srv/images/3/0.webp'], images: [] })]).toEqual(['3/0.webp'])
  })
})

describe('carryOver', () => {
  const at = (index: number, name: string): ImageRecord => ({ ...record, index, path: `/srv/images/7/${name}.webp` })

  it('moves the record of a URL that stays to its new position, and drops the records of URLs gone', () => {
    const records = [at(0, 'a'), at(1, 'b'), at(2, 'c')]
    expect(carryOver(records, ['A', 'B', 'C'], ['D', 'C', 'A'])).toEqual([at(1, 'c'), at(2, 'a')])
  })

  it('keeps nothing when every URL is new, and everything in order when none changed', () => {
    const records = [at(0, 'a'), at(1, 'b')]
    expect(carryOver(records, ['A', 'B'], ['X'])).toEqual([])
    expect(carryOver(records, ['A', 'B'], ['A', 'B'])).toEqual(records)
  })

  it('leaves a failed image (no record) to be made again', () => {
    expect(carryOver([at(1, 'b')], ['A', 'B'], ['B', 'A'])).toEqual([at(0, 'b')])
  })
})

describe('supersededBy', () => {
  it('lists the files named before and not after', () => {
    const before = { compressed_product_images: [record.path], images: [record] }
    const after = { compressed_product_images: ['/srv/images/7/1.99999999.webp'], images: [] }
    expect(supersededBy(before, after).sort()).toEqual(['7/1.1a2b3c4d.256w.webp', '7/1.1a2b3c4d.webp'])
    expect(supersededBy(before, before)).toEqual([])
  })
})
