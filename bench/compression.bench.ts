// Compression settings side by side on photo-like inputs: time per image (vitest's table)
// and bytes in/out (printed below it). README's choice of defaults comes from this run.
import { bench, describe } from 'vitest'
import { loadConfig } from '../src/config.ts'
import { compress, compressOptions, type CompressOptions } from '../src/images/compress.ts'
import { photoJpeg } from '../tests/helpers/images.ts'

const limits = compressOptions(loadConfig({}))
const settings: Record<string, CompressOptions> = {
  'webp q80, max 2048': { ...limits, format: 'webp', quality: 80, maxSide: 2048 },
  'webp q80, max 1280': { ...limits, format: 'webp', quality: 80, maxSide: 1280 },
  'jpeg (mozjpeg) q80, max 2048': { ...limits, format: 'jpeg', quality: 80, maxSide: 2048 },
  'avif q50, max 2048': { ...limits, format: 'avif', quality: 50, maxSide: 2048 },
}
// AVIF is timed on the smaller input only: at its default effort it takes seconds per image here.
const slow = new Set(['avif q50, max 2048'])

const corpus = {
  '1920x1080 JPEG q92': await photoJpeg(1920, 1080),
  '4000x3000 JPEG q92': await photoJpeg(4000, 3000),
}

const sizes: Record<string, string>[] = []
for (const [input, data] of Object.entries(corpus)) {
  for (const [setting, options] of Object.entries(settings)) {
    const out = await compress(data, options)
    sizes.push({ input, setting, 'bytes in': String(data.length), 'bytes out': String(out.data.length), ratio: (out.data.length / data.length).toFixed(3) })
  }
}
console.table(sizes)

for (const [input, data] of Object.entries(corpus)) {
  describe(input, () => {
    for (const [setting, options] of Object.entries(settings)) {
      if (slow.has(setting) && data.length > corpus['1920x1080 JPEG q92'].length) continue
      bench(setting, () => compress(data, options).then(() => undefined), { time: 1500, iterations: 3, warmupIterations: 1 })
    }
  })
}
