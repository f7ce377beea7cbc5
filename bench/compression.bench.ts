// Issue item 5: the output settings the worker offers (IMAGE_FORMAT, IMAGE_QUALITY, IMAGE_MAX_SIDE),
// side by side on the corpus: bytes in → out, and time per image with tinybench (one image at a time,
// as mainImage() runs it: sharp uses one thread per image here, so this is one core's rate).
// The output defaults come from this table (docs/performance.md).
import { Bench } from 'tinybench'
import { bench } from 'vitest'
import { loadConfig } from '../src/config.ts'
import { compressOptions, type CompressOptions, type EncodeOptions } from '../src/images/compress.ts'
import { KINDS, makeCorpus, type Kind } from './corpus.ts'
import { ONCE, report, round, type Row } from './report.ts'
import { mainImage } from '../tests/helpers/index.ts'

const NO_CAP = 16384 // IMAGE_MAX_SIDE's largest value
const SETTINGS: Record<string, EncodeOptions> = {
  'webp q80, max 2048 (default: effort 2)': { format: 'webp', quality: 80, maxSide: 2048 },
  'webp q80, effort 4 (the old default), max 2048': { format: 'webp', quality: 80, maxSide: 2048, effort: 4 },
  'webp q80, max 1280': { format: 'webp', quality: 80, maxSide: 1280 },
  'webp q80, no cap': { format: 'webp', quality: 80, maxSide: NO_CAP },
  'jpeg (mozjpeg) q80, max 2048': { format: 'jpeg', quality: 80, maxSide: 2048 },
  'jpeg (mozjpeg) q80, no cap': { format: 'jpeg', quality: 80, maxSide: NO_CAP },
  'avif q50, max 2048': { format: 'avif', quality: 50, maxSide: 2048 },
}
// AVIF takes seconds per image here: timed once, and not without the cap.
const isSlow = (options: EncodeOptions) => options.format === 'avif'

bench(
  '5. compression settings',
  async () => {
    const corpus = await makeCorpus(Object.keys(KINDS) as Kind[], 1)
    const limits = compressOptions(loadConfig({}))
    const rows: Row[] = []
    for (const image of corpus) {
      const longestSide = Math.max(KINDS[image.kind].width, KINDS[image.kind].height)
      for (const [setting, encode] of Object.entries(SETTINGS)) {
        // A cap above the longest side changes nothing: the row would repeat the capped one.
        if (encode.maxSide === NO_CAP && longestSide <= 2048) continue
        if (isSlow(encode) && encode.maxSide === NO_CAP) continue
        const options: CompressOptions = { ...limits, ...encode }
        const out = await mainImage(image.data, options)
        const tiny = new Bench(
          isSlow(encode) ? { ...ONCE } : { time: 0, iterations: 3, warmupTime: 0, warmupIterations: 1 },
        )
        tiny.add(setting, async () => {
          await mainImage(Buffer.from(image.data), options)
        })
        await tiny.run()
        const { result } = tiny.tasks[0]!
        if (result.state !== 'completed') {
          throw new Error(
            `${setting} on ${image.kind}: ${result.state === 'errored' ? result.error.message : result.state}`,
          )
        }
        const meanMs = result.latency.mean
        rows.push({
          input: image.kind,
          setting,
          'bytes in': image.data.length,
          'bytes out': out.data.length,
          'out/in': round(out.data.length / image.data.length, 3),
          output: `${out.width}×${out.height}`,
          'ms/image': Math.round(meanMs),
          'images/s (1 core)': round(1000 / meanMs, 2),
          samples: result.latency.samplesCount,
        })
      }
    }
    report('5-compression', {
      title: 'Compression settings',
      method:
        'WebP at the default IMAGE_EFFORT (2) unless the row says otherwise. One photo-like image of each kind; ' +
        'bytes from one mainImage(); time: tinybench mean over 3 runs after 1 warm-up (AVIF: 1 run), one image at a ' +
        'time.',
      rows,
    })
  },
  ONCE,
)
