// Issue 11: real photographs through the service as it is deployed, against raw sharp at the
// settings we started from, on the same files in the same run.
//   deployed:  `npm run start:api` and `npm run start:worker` as separate processes, production
//              defaults; images served over loopback by nginx (not our code);
//              products posted through the API with an API key.
//   raw sharp: mainImage() in this process at the old defaults (WebP q80, effort 4, max 2048),
//              4 at a time, on the same bytes already in memory.
//   variants off: the deployed service again, with IMAGE_VARIANT_WIDTHS empty: what variants cost.
// Rounds alternate (the order reversed every other round); each path's median is used. Fidelity
// compares every stored image with a colour-managed, lossless downscale of its reference
// (bench/fidelity.ts).
import { readFile } from 'node:fs/promises'
import pLimit from 'p-limit'
import sharp from 'sharp'
import { bench } from 'vitest'
import { compressOptions, type CompressOptions } from '../src/images/compress.ts'
import { imageRecords } from '../src/images/image-record.ts'
import { deploy } from './deployment.ts'
import { fidelity, type Fidelity } from './fidelity.ts'
import { startOrigins } from './nginx.ts'
import { build } from './npm-script.ts'
import { CACHE_DIR, loadPhotos, type Photo } from './photos/prepare.ts'
import { mean, median, ONCE, report, round, timed } from './report.ts'
import { mainImage } from '../tests/helpers/index.ts'

const ROUNDS = 3
const GOALS = { speed: 1.6, bytes: 1.05, ssimLoss: 0.005, psnrLoss: 1 }
/** The settings the issue measures against: the defaults before it. */
const BEFORE = { format: 'webp', quality: 80, effort: 4, maxSide: 2048, concurrency: 4 } as const

/** Uneven products: a 17.9 MP photo beside two small ones, profiles, orientation and alpha mixed in. */
const PRODUCTS = [
  ['elephants.jpg', 'meadow-640.jpg', 'fresh-flower.jpg'],
  ['garden.jpg', 'dune.jpg', 'lady-bird-cutout.png'],
  ['elephants-adobe-rgb-orientation-6.jpg', 'aqua-cutout-800.png', 'green-meadow.jpg'],
  ['wood-orientation-6.jpg', 'yellow-flower-adobe-rgb.jpg', 'rain-drops.jpg'],
  ['aqua.jpg', 'two-wings.jpg', 'blinds.jpg'],
  ['wood.jpg', 'lady-bird.jpg', 'storm.jpg'],
]

interface Outputs {
  ms: number
  /** Per image, in PRODUCTS order: the stored bytes of the main image. */
  images: Buffer[]
  /** All variants' bytes together (none for raw sharp). */
  variantBytes: number
}

/** The deployed service, and a round of products through it: the stored main images in order. */
async function deployed(photoPort: number, overrides: Record<string, string> = {}) {
  const deployment = await deploy({ imageHosts: [`127.0.0.1:${photoPort}`], env: overrides })
  return {
    config: deployment.config,
    async run(products: string[][]): Promise<Outputs> {
      const { ms, ids } = await deployment.run(
        products.map((names) => names.map((name) => `http://127.0.0.1:${photoPort}/${name}`)),
      )
      const rows = await deployment.environment.database.db.product.findMany({
        where: { product_id: { in: ids } },
        orderBy: { product_id: 'asc' },
      })
      const records = rows.flatMap((row) => imageRecords(row.images))
      if (records.length !== products.flat().length) {
        throw new Error(`${records.length} images stored, ${products.flat().length} expected`)
      }
      const images = await Promise.all(records.map((record) => readFile(record.path)))
      const variantBytes = records.flatMap((record) => record.variants).reduce((sum, variant) => sum + variant.bytes, 0)
      return { ms, images, variantBytes }
    },
    stop: deployment.stop,
  }
}

bench(
  '7. deployed: real photos, API + worker processes',
  async () => {
    build()
    const photos = new Map((await loadPhotos()).map((photo) => [photo.name, photo]))
    const order: Photo[] = PRODUCTS.flat().map((name) => photos.get(name)!)
    const origins = await startOrigins(CACHE_DIR, [{ latencyMs: 0, bytesPerSecond: 0 }])
    const photoPort = Number(new URL(origins.urls[0]!).port)
    const deployments: Awaited<ReturnType<typeof deployed>>[] = []
    try {
      const withVariants = await deployed(photoPort)
      deployments.push(withVariants)
      const withoutVariants = await deployed(photoPort, { IMAGE_VARIANT_WIDTHS: '' })
      deployments.push(withoutVariants)
      const config = withVariants.config

      const before: CompressOptions = { ...compressOptions(config), ...BEFORE }
      const rawSharp = async (list: Photo[]): Promise<Outputs> => {
        const limit = pLimit(BEFORE.concurrency)
        let images: Buffer[] = []
        // A fresh copy per call, as a download would hand it over.
        const ms = await timed(
          async () =>
            (images = await Promise.all(
              list.map((photo) => limit(async () => (await mainImage(Buffer.from(photo.data), before)).data)),
            )),
        )
        return { ms, images, variantBytes: 0 }
      }

      // Warm-up: JIT, pools, connections, the photo server's page cache.
      await rawSharp(order.slice(0, 3))
      for (const deployment of deployments) await deployment.run(PRODUCTS.slice(0, 1))

      const paths = [() => rawSharp(order), () => withVariants.run(PRODUCTS), () => withoutVariants.run(PRODUCTS)]
      const runs: Outputs[][] = paths.map(() => [])
      for (let r = 0; r < ROUNDS; r++) {
        for (const p of r % 2 === 0 ? [0, 1, 2] : [2, 1, 0]) runs[p]!.push(await paths[p]!())
      }
      const [raw, service, noVariants] = runs as [Outputs[], Outputs[], Outputs[]]

      const rate = (runs: Outputs[]) => (order.length * 1000) / median(runs.map((run) => run.ms))
      const bytes = (run: Outputs) => run.images.reduce((sum, image) => sum + image.length, 0)
      const scores = async (run: Outputs): Promise<Fidelity[]> => {
        const out: Fidelity[] = []
        for (const [i, photo] of order.entries()) out.push(await fidelity(run.images[i]!, photo.reference))
        return out
      }
      const [rawScores, serviceScores] = [await scores(raw[0]!), await scores(service[0]!)]
      const speed = round(rate(service) / rate(raw), 3)
      const bytesRatio = round(bytes(service[0]!) / bytes(raw[0]!), 3)
      const variantCost = round(rate(service) / rate(noVariants), 3)
      const variantShare = round(service[0]!.variantBytes / bytes(service[0]!), 3)
      const ssimLoss = mean(rawScores.map((s) => s.ssim)) - mean(serviceScores.map((s) => s.ssim))
      const worstSsimLoss = Math.max(...order.map((_, i) => rawScores[i]!.ssim - serviceScores[i]!.ssim))
      const profiled = order.flatMap((photo, i) => (photo.name.includes('adobe-rgb') ? [i] : []))
      const psnrLoss = Math.max(...profiled.map((i) => rawScores[i]!.psnr - serviceScores[i]!.psnr))
      const minPsnr = (scores: Fidelity[]) => round(Math.min(...profiled.map((i) => scores[i]!.psnr)), 1)
      // What the Adobe RGB files would score with their profile ignored (pixels taken as sRGB): the loss a missed
      // conversion shows.
      const profileIgnored = (photo: Photo) =>
        sharp(photo.data, { ignoreIcc: true })
          .rotate()
          .resize({ width: 2048, height: 2048, fit: 'inside' })
          .webp({ quality: 80 })
          .toBuffer()
      const ignored = await Promise.all(
        profiled.map(async (i) => (await fidelity(await profileIgnored(order[i]!), order[i]!.reference)).psnr),
      )
      const row = (name: string, runs: Outputs[], scores?: Fidelity[]) => ({
        path: name,
        'images/s': round(rate(runs), 2),
        'rounds (s)': runs.map((run) => round(run.ms / 1000, 2)).join(' '),
        'bytes out': bytes(runs[0]!),
        'variant bytes': runs[0]!.variantBytes,
        ...(scores && {
          'SSIM mean': round(mean(scores.map((s) => s.ssim)), 4),
          'SSIM min': round(Math.min(...scores.map((s) => s.ssim)), 4),
          'PSNR Adobe RGB dB': minPsnr(scores),
        }),
      })
      report('7-deployed', {
        title: 'Deployed: real photos through API and worker processes vs raw sharp',
        method:
          `${order.length} real photos a round (bench/photos: 0.3–17.9 MP JPEG, EXIF orientation, Adobe RGB, PNG ` +
          `alpha) in ${PRODUCTS.length} products of 3, ` +
          `a 17.9 MP photo beside two small ones in two of them; served by nginx on loopback, posted through the ` +
          `API with a key; ` +
          `npm run start:api + npm run start:worker, NODE_ENV=production, defaults (${config.IMAGE_FORMAT} ` +
          `q${config.IMAGE_QUALITY}, effort ${config.IMAGE_EFFORT}, max ${config.IMAGE_MAX_SIDE}, ` +
          `${config.IMAGE_CONCURRENCY} at a time, variants ${config.IMAGE_VARIANT_WIDTHS}); ` +
          `the same with IMAGE_VARIANT_WIDTHS empty, on an environment of its own. Bytes out: the main images. ` +
          `Raw sharp: mainImage() in the bench process at the old defaults (webp q80, effort 4, max 2048, 4 at a ` +
          `time) on the same bytes. ` +
          `${ROUNDS} rounds each, in turn (reversed every other round), median; POST of the first product → last ` +
          `product logged done. Fidelity against a lossless, colour-managed downscale of each reference (SSIM luma, ` +
          `PSNR RGB).`,
        rows: [
          row('raw sharp, old defaults', raw, rawScores),
          row('deployed service (variants on, the default)', service, serviceScores),
          row('deployed service, variants off', noVariants),
          { path: 'ratio deployed / raw', 'images/s': speed, 'bytes out': bytesRatio },
          { path: 'ratio variants on / off', 'images/s': variantCost, 'variant bytes': variantShare },
          {
            path: '(raw sharp with the Adobe RGB profile ignored)',
            'PSNR Adobe RGB dB': round(Math.min(...ignored), 1),
          },
        ],
        goals: [
          {
            goal:
              `deployed, variants on (${config.IMAGE_VARIANT_WIDTHS}), / raw sharp at the old defaults ` +
              `≥ ${GOALS.speed}× images/s`,
            measured: `${speed.toFixed(2)}× (variants off: ${(rate(noVariants) / rate(raw)).toFixed(2)}×)`,
            met: speed >= GOALS.speed,
          },
          {
            goal: `bytes out ≤ ${GOALS.bytes}× raw sharp's`,
            measured: `${bytesRatio.toFixed(3)}×`,
            met: bytesRatio <= GOALS.bytes,
          },
          {
            goal:
              `no visible loss: mean SSIM at most ${GOALS.ssimLoss} below raw sharp's, Adobe RGB photos ` +
              `converted to sRGB (PSNR within ${GOALS.psnrLoss} dB)`,
            measured:
              `SSIM −${round(ssimLoss, 4)} (worst image −${round(worstSsimLoss, 4)}), ` +
              `PSNR −${round(psnrLoss, 2)} dB`,
            met: ssimLoss <= GOALS.ssimLoss && psnrLoss <= GOALS.psnrLoss,
          },
        ],
        data: {
          images: order.map((photo, i) => ({
            name: photo.name,
            megapixels: photo.megapixels,
            raw: { bytes: raw[0]!.images[i]!.length, ...rawScores[i] },
            deployed: { bytes: service[0]!.images[i]!.length, ...serviceScores[i] },
          })),
          rawMs: raw.map((run) => run.ms),
          deployedMs: service.map((run) => run.ms),
          noVariantsMs: noVariants.map((run) => run.ms),
          variantBytes: service[0]!.variantBytes,
        },
      })
    } finally {
      for (const deployment of deployments) await deployment.stop()
      await origins.stop()
    }
  },
  ONCE,
)
