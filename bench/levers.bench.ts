// Issue 11, levers: mainImage() on the real photos in this one process, each variant against the
// old defaults (WebP q80, effort 4, max 2048, 4 images at a time, sharp's default threads per
// image), rounds interleaved variant by variant so a drift of the shared machine hits all alike.
// The defaults of IMAGE_EFFORT and IMAGE_CONCURRENCY come from this table (docs/performance.md).
import pLimit from 'p-limit'
import sharp from 'sharp'
import { bench } from 'vitest'
import { loadConfig } from '../src/config.ts'
import { compressOptions, type CompressOptions } from '../src/images/compress.ts'
import { fidelity } from './fidelity.ts'
import { loadPhotos, type Photo } from './photos/prepare.ts'
import { mean, median, ONCE, report, round, timed, type Row } from './report.ts'
import { mainImage } from '../tests/helpers/index.ts'

const ROUNDS = 3
const SHARP_THREADS = sharp.concurrency()

interface Variant {
  effort: number
  /** Images at a time (IMAGE_CONCURRENCY). */
  images: number
  /**
   * libvips threads per image (sharp.concurrency); 0: sharp's default (1 on glibc without jemalloc, else one per core).
   */
  threads: number
}

const VARIANTS: Record<string, Variant> = {
  'old defaults: effort 4, 4 at a time': { effort: 4, images: 4, threads: 0 },
  'effort 3': { effort: 3, images: 4, threads: 0 },
  'effort 2': { effort: 2, images: 4, threads: 0 },
  'effort 1': { effort: 1, images: 4, threads: 0 },
  'effort 2, 2 at a time': { effort: 2, images: 2, threads: 0 },
  'effort 2, 8 at a time': { effort: 2, images: 8, threads: 0 },
  'effort 2, 2 at a time, 2 libvips threads each': { effort: 2, images: 2, threads: 2 },
  'effort 2, 4 at a time, 2 libvips threads each': { effort: 2, images: 4, threads: 2 },
}

bench(
  '8. levers: effort, images at a time, libvips threads',
  async () => {
    const photos = await loadPhotos()
    const base = compressOptions(loadConfig({}))
    const run = async (variant: Variant, list: Photo[]) => {
      sharp.concurrency(variant.threads || SHARP_THREADS)
      const options: CompressOptions = { ...base, format: 'webp', quality: 80, maxSide: 2048, effort: variant.effort }
      const limit = pLimit(variant.images)
      let outputs: Buffer[] = []
      const ms = await timed(
        async () =>
          (outputs = await Promise.all(
            list.map((photo) => limit(async () => (await mainImage(Buffer.from(photo.data), options)).data)),
          )),
      )
      return { ms, outputs }
    }
    try {
      const names = Object.keys(VARIANTS)
      await run(VARIANTS[names[0]!]!, photos.slice(0, 4)) // warm-up
      const ms: Record<string, number[]> = Object.fromEntries(names.map((name) => [name, []]))
      const outputs: Record<string, Buffer[]> = {}
      for (let r = 0; r < ROUNDS; r++) {
        // Each round in another order, so no variant always follows the same one.
        for (const name of r % 2 === 0 ? names : [...names].reverse()) {
          const result = await run(VARIANTS[name]!, photos)
          ms[name]!.push(result.ms)
          outputs[name] ??= result.outputs
        }
      }
      const baseline = names[0]!
      const rate = (name: string) => (photos.length * 1000) / median(ms[name]!)
      const bytes = (name: string) => outputs[name]!.reduce((sum, image) => sum + image.length, 0)
      const ssims: Record<string, number[]> = {}
      for (const name of names) {
        // Settings that differ only in scheduling encode the same bytes: score each encoding once.
        const same = names.find((other) => ssims[other] && VARIANTS[other]!.effort === VARIANTS[name]!.effort)
        ssims[name] = same
          ? ssims[same]!
          : await Promise.all(
              photos.map(async (photo, i) => (await fidelity(outputs[name]![i]!, photo.reference)).ssim),
            )
      }
      const rows: Row[] = names.map((name) => ({
        variant: name,
        'images/s': round(rate(name), 2),
        '× old': round(rate(name) / rate(baseline), 2),
        'bytes × old': round(bytes(name) / bytes(baseline), 3),
        'SSIM mean': round(mean(ssims[name]!), 4),
        'rounds (s)': ms[name]!.map((m) => round(m / 1000, 2)).join(' '),
      }))
      report('8-levers', {
        title: 'Levers: encoder effort, images at a time, libvips threads per image',
        method:
          `mainImage() on the ${photos.length} real photos of bench/photos in this process, WebP q80 max 2048; ` +
          `${ROUNDS} rounds, variants interleaved (reversed every other round), median. ` +
          `sharp's default: ${SHARP_THREADS} libvips threads per image.`,
        rows,
        data: { ms, bytes: Object.fromEntries(names.map((name) => [name, bytes(name)])) },
      })
    } finally {
      sharp.concurrency(SHARP_THREADS)
    }
  },
  ONCE,
)
