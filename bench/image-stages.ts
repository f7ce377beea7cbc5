// Where an image's CPU goes, stage by stage: the worker's own functions on the real photos, one
// at a time on one libvips thread, production settings. A profile to read before optimising, not
// part of `npm run bench`:  npx tsx bench/image-stages.ts
import sharp from 'sharp'
import { loadConfig } from '../src/config.ts'
import { compressOptions, decode, encode, imageOf, pixelsOf } from '../src/images/compress.ts'
import { placeholderOf } from '../src/images/placeholder.ts'
import { parseWidths, variantWidthsFor } from '../src/images/variants.ts'
import { loadPhotos } from './photos/prepare.ts'

const ROUNDS = 2
sharp.cache(false)
sharp.concurrency(1)
const config = loadConfig({})
const options = compressOptions(config)
const widths = parseWidths(config.IMAGE_VARIANT_WIDTHS)
const photos = await loadPhotos()

const totals = new Map<string, number>()
async function stage<T>(name: string, work: () => Promise<T>): Promise<T> {
  const started = performance.now()
  const result = await work()
  totals.set(name, (totals.get(name) ?? 0) + performance.now() - started)
  return result
}

for (let round = 0; round < ROUNDS; round++) {
  for (const photo of photos) {
    const pixels = await stage('decode (rotate, sRGB, cap at the main size)', () => decode(photo.data, options))
    await stage('main image: encode', () => encode(pixels, options))
    for (const width of variantWidthsFor(pixels.width, widths)) {
      await stage(`variant ${width}: resize alone`, () => pixelsOf(imageOf(pixels).resize({ width })))
      await stage(`variant ${width}: resize + encode`, () => encode(pixels, options, width))
    }
    await stage('placeholder', () => placeholderOf(pixels))
  }
}

// The resize-alone rows are a part of the row after them, not counted again in the total.
const counted = [...totals].filter(([name]) => !name.endsWith('resize alone'))
const all = counted.reduce((sum, [, ms]) => sum + ms, 0)
console.log(`${photos.length} photos, ${ROUNDS} rounds; ms per round of all photos, and share of the total`)
console.table(
  [...totals].map(([name, ms]) => ({
    stage: name,
    ms: Math.round(ms / ROUNDS),
    share: name.endsWith('resize alone') ? '' : `${Math.round((100 * ms) / all)} %`,
  })),
)
