// Issue 12: what each set of variant widths costs the worker, and what it saves a page. The real
// photos in this process, through the worker's own steps (decode once, main image, variants,
// placeholder) at the production settings, IMAGE_CONCURRENCY at a time; each width set against
// none, rounds interleaved. The default IMAGE_VARIANT_WIDTHS comes from this table (docs/performance.md).
import pLimit from 'p-limit'
import { bench } from 'vitest'
import { loadConfig } from '../src/config.ts'
import { compressOptions } from '../src/images/compress.ts'
import { loadPhotos, type Photo } from './photos/prepare.ts'
import { imageWork } from './pipeline.ts'
import { median, ONCE, report, round, timed, type Row } from './report.ts'

const ROUNDS = 3

// Labels and widths in a list, not an object: an object would put the key '640' first.
const SETS: [string, number[]][] = [
  ['none (IMAGE_VARIANT_WIDTHS empty)', []],
  ['256', [256]],
  ['256,640', [256, 640]],
  ['256,640,1280 (default)', [256, 640, 1280]],
  ['256,512,768,1024,1536', [256, 512, 768, 1024, 1536]],
  ['320,640,960,1280,1600,1920', [320, 640, 960, 1280, 1600, 1920]],
]

/** One image's files as the worker makes them: bytes of the main image and of each variant, by width. */
type Files = { width: number; bytes: number }[]

bench(
  '9. variant widths: cost and savings',
  async () => {
    const photos = await loadPhotos()
    const config = loadConfig({})
    const options = compressOptions(config)
    // A fresh copy per call, as a download would hand it over.
    const makeFiles = (photo: Photo, widths: number[]): Promise<Files> =>
      imageWork(Buffer.from(photo.data), options, widths)
    const run = async (widths: number[], list: Photo[]) => {
      const limit = pLimit(config.IMAGE_CONCURRENCY)
      let files: Files[] = []
      const ms = await timed(
        async () => (files = await Promise.all(list.map((photo) => limit(() => makeFiles(photo, widths))))),
      )
      return { ms, files }
    }

    const widthsOf = new Map(SETS)
    const names = SETS.map(([name]) => name)
    await run([256, 640, 1280], photos.slice(0, 3)) // warm-up
    const ms: Record<string, number[]> = Object.fromEntries(names.map((name) => [name, []]))
    const files: Record<string, Files[]> = {}
    for (let r = 0; r < ROUNDS; r++) {
      for (const name of r % 2 === 0 ? names : [...names].reverse()) {
        const result = await run(widthsOf.get(name)!, photos)
        ms[name]!.push(result.ms)
        files[name] ??= result.files
      }
    }
    const rate = (name: string) => (photos.length * 1000) / median(ms[name]!)
    const sum = (values: number[]) => values.reduce((a, b) => a + b, 0)
    const mainBytes = sum(files[names[0]!]!.map((image) => image[0]!.bytes))
    const sourceBytes = sum(photos.map((photo) => photo.data.length))
    const storedBytes = (name: string) => sum(files[name]!.flatMap((image) => image.map((file) => file.bytes)))
    // What a browser fetches for a slot `slot` CSS pixels wide at 1×: the narrowest file at least that wide (else the
    // main image).
    const fetched = (name: string, slot: number) =>
      sum(
        files[name]!.map(
          (image) =>
            [...image].sort((a, b) => a.width - b.width).find((file) => file.width >= slot)?.bytes ?? image[0]!.bytes,
        ),
      )
    const rows: Row[] = names.map((name) => ({
      widths: name,
      'images/s': round(rate(name), 2),
      '× none': round(rate(name) / rate(names[0]!), 2),
      'bytes stored × main': round(storedBytes(name) / mainBytes, 2),
      // What KEEP_ORIGINALS adds: the sources as downloaded, beside what this set stores.
      'KEEP_ORIGINALS adds × stored': round(sourceBytes / storedBytes(name), 2),
      'listing (256 px) fetches × main': round(fetched(name, 256) / mainBytes, 3),
      'phone (640 px) × main': round(fetched(name, 640) / mainBytes, 3),
      'laptop (1280 px) × main': round(fetched(name, 1280) / mainBytes, 3),
      'rounds (s)': ms[name]!.map((m) => round(m / 1000, 2)).join(' '),
    }))
    report('9-variants', {
      title: 'Variant widths: what each set costs the worker and saves a page',
      method:
        `The ${photos.length} real photos of bench/photos in this process, through the worker's steps (decode once, ` +
        `main image, variants narrower than it, placeholder), ` +
        `${options.format} q${options.quality} effort ${options.effort} max ${options.maxSide}, ` +
        `${config.IMAGE_CONCURRENCY} at a time; ${ROUNDS} rounds, sets interleaved (reversed every other round), ` +
        `median. ` +
        `"fetches": the bytes a browser downloads for every photo in a slot that wide at 1× (the narrowest file at ` +
        `least that wide), against the main images. ` +
        `"KEEP_ORIGINALS adds": the sources' bytes against the bytes this set stores.`,
      rows,
      data: { ms, mainBytes, sourceBytes },
    })
  },
  ONCE,
)
