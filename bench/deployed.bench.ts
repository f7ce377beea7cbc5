// Issue 11: real photographs through the service as it is deployed, against raw sharp at the
// settings we started from, on the same files in the same run.
//   deployed:  `npm run start:api` and `npm run start:worker` as separate processes, production
//              defaults; images served over loopback by Python's http.server (not our code);
//              products posted through the API with an API key.
//   raw sharp: compress() in this process at the old defaults (WebP q80, effort 4, max 2048),
//              4 at a time, on the same bytes already in memory.
// Rounds alternate; each path's median is used. Fidelity compares every stored image with a
// colour-managed, lossless downscale of its reference (bench/fidelity.ts).
import { spawn, type ChildProcess } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import pLimit from 'p-limit'
import sharp from 'sharp'
import { bench } from 'vitest'
import { loadConfig } from '../src/config.ts'
import { compress, compressOptions, type CompressOptions } from '../src/images/compress.ts'
import { startEnvironment } from '../tests/helpers/environment.ts'
import { recordLogs } from '../tests/helpers/logs.ts'
import type { ServiceProcess } from '../tests/helpers/service-process.ts'
import { fidelity, type Fidelity } from './fidelity.ts'
import { build, startNpmScript } from './npm-script.ts'
import { CACHE_DIR, loadPhotos, type Photo } from './photos/prepare.ts'
import { freePort, waitForPort } from '../tests/helpers/ports.ts'
import { processed } from './pipeline.ts'
import { alternating, mean, median, ONCE, report, round, timed } from './report.ts'

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

/** A static file server that is not ours, on loopback. */
async function servePhotos(): Promise<{ port: number; server: ChildProcess }> {
  const port = await freePort()
  const server = spawn('python3', ['-m', 'http.server', String(port), '--bind', '127.0.0.1', '--directory', CACHE_DIR], { stdio: 'ignore' })
  await waitForPort(port)
  return { port, server }
}

interface Outputs {
  ms: number
  /** Per image, in PRODUCTS order: the stored bytes. */
  images: Buffer[]
}

bench('7. deployed: real photos, API + worker processes', async () => {
  build()
  const photos = new Map((await loadPhotos()).map((photo) => [photo.name, photo]))
  const order: Photo[] = PRODUCTS.flat().map((name) => photos.get(name)!)
  const logs = recordLogs()
  const environment = await startEnvironment({ routes: {}, log: logs.log, label: 'bench' })
  const { port: photoPort, server } = await servePhotos()
  const services: ServiceProcess[] = []
  try {
    const apiPort = await freePort()
    const env = environment.env({ PORT: String(apiPort), NODE_ENV: 'production', ALLOW_PRIVATE_IMAGE_URLS: `127.0.0.1:${photoPort}` })
    const api = startNpmScript('start:api', env)
    services.push(api)
    const worker = startNpmScript('start:worker', env)
    services.push(worker)
    await worker.waitFor((line) => line.msg === 'worker consuming', 60_000)
    await waitForPort(apiPort)
    const config = loadConfig(env)

    const post = async (names: string[]): Promise<number> => {
      const response = await fetch(`http://127.0.0.1:${apiPort}/products`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${environment.apiKey}` },
        body: JSON.stringify({
          user_id: environment.userId,
          product_name: 'Bench product',
          product_description: 'real photographs',
          product_images: names.map((name) => `http://127.0.0.1:${photoPort}/${name}`),
          product_price: 10,
        }),
      })
      if (response.status !== 201) throw new Error(`POST /products answered ${response.status}: ${await response.text()}`)
      return ((await response.json()) as { product_id: number }).product_id
    }
    const deployed = async (products: string[][]): Promise<Outputs> => {
      const started = performance.now()
      const ids: number[] = []
      for (const names of products) ids.push(await post(names))
      await processed([worker], ids)
      const ms = performance.now() - started
      const ext = config.IMAGE_FORMAT === 'jpeg' ? 'jpg' : config.IMAGE_FORMAT
      const images = await Promise.all(ids.flatMap((id, p) => products[p]!.map((_, i) => readFile(path.join(config.IMAGES_DIR, String(id), `${i}.${ext}`)))))
      return { ms, images }
    }
    const before: CompressOptions = { ...compressOptions(config), ...BEFORE }
    const rawSharp = async (list: Photo[]): Promise<Outputs> => {
      const limit = pLimit(BEFORE.concurrency)
      let images: Buffer[] = []
      // A fresh copy per call, as a download would hand it over.
      const ms = await timed(async () => (images = await Promise.all(list.map((photo) => limit(async () => (await compress(Buffer.from(photo.data), before)).data)))))
      return { ms, images }
    }

    // Warm-up: JIT, pools, connections, the photo server's page cache.
    await rawSharp(order.slice(0, 3))
    await deployed(PRODUCTS.slice(0, 1))

    const [raw, service] = await alternating(ROUNDS, () => rawSharp(order), () => deployed(PRODUCTS))

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
    const ssimLoss = mean(rawScores.map((s) => s.ssim)) - mean(serviceScores.map((s) => s.ssim))
    const worstSsimLoss = Math.max(...order.map((_, i) => rawScores[i]!.ssim - serviceScores[i]!.ssim))
    const profiled = order.flatMap((photo, i) => (photo.name.includes('adobe-rgb') ? [i] : []))
    const psnrLoss = Math.max(...profiled.map((i) => rawScores[i]!.psnr - serviceScores[i]!.psnr))
    const minPsnr = (scores: Fidelity[]) => round(Math.min(...profiled.map((i) => scores[i]!.psnr)), 1)
    // What the Adobe RGB files would score with their profile ignored (pixels taken as sRGB): the loss a missed conversion shows.
    const profileIgnored = (photo: Photo) => sharp(photo.data, { ignoreIcc: true }).rotate().resize({ width: 2048, height: 2048, fit: 'inside' }).webp({ quality: 80 }).toBuffer()
    const ignored = await Promise.all(profiled.map(async (i) => (await fidelity(await profileIgnored(order[i]!), order[i]!.reference)).psnr))
    const row = (name: string, runs: Outputs[], scores: Fidelity[]) => ({
      path: name,
      'images/s': round(rate(runs), 2),
      'rounds (s)': runs.map((run) => round(run.ms / 1000, 2)).join(' '),
      'bytes out': bytes(runs[0]!),
      'SSIM mean': round(mean(scores.map((s) => s.ssim)), 4),
      'SSIM min': round(Math.min(...scores.map((s) => s.ssim)), 4),
      'PSNR Adobe RGB dB': minPsnr(scores),
    })
    report('7-deployed', {
      title: 'Deployed: real photos through API and worker processes vs raw sharp',
      method:
        `${order.length} real photos a round (bench/photos: 0.3–17.9 MP JPEG, EXIF orientation, Adobe RGB, PNG alpha) in ${PRODUCTS.length} products of 3, ` +
        `a 17.9 MP photo beside two small ones in two of them; served by python3 -m http.server on loopback, posted through the API with a key; ` +
        `npm run start:api + npm run start:worker, NODE_ENV=production, defaults (${config.IMAGE_FORMAT} q${config.IMAGE_QUALITY}, effort ${config.IMAGE_EFFORT}, max ${config.IMAGE_MAX_SIDE}, ${config.IMAGE_CONCURRENCY} at a time). ` +
        `Raw sharp: compress() in the bench process at the old defaults (webp q80, effort 4, max 2048, 4 at a time) on the same bytes. ` +
        `${ROUNDS} rounds each, alternating, median; POST of the first product → last product logged done. Fidelity against a lossless, colour-managed downscale of each reference (SSIM luma, PSNR RGB).`,
      rows: [
        row('raw sharp, old defaults', raw, rawScores),
        row('deployed service', service, serviceScores),
        { path: 'ratio deployed / raw', 'images/s': speed, 'bytes out': bytesRatio },
        { path: '(raw sharp with the Adobe RGB profile ignored)', 'PSNR Adobe RGB dB': round(Math.min(...ignored), 1) },
      ],
      goals: [
        { goal: `deployed / raw sharp at the old defaults ≥ ${GOALS.speed}× images/s`, measured: `${speed.toFixed(2)}×`, met: speed >= GOALS.speed },
        { goal: `bytes out ≤ ${GOALS.bytes}× raw sharp's`, measured: `${bytesRatio.toFixed(3)}×`, met: bytesRatio <= GOALS.bytes },
        {
          goal: `no visible loss: mean SSIM at most ${GOALS.ssimLoss} below raw sharp's, Adobe RGB photos converted to sRGB (PSNR within ${GOALS.psnrLoss} dB)`,
          measured: `SSIM −${round(ssimLoss, 4)} (worst image −${round(worstSsimLoss, 4)}), PSNR −${round(psnrLoss, 2)} dB`,
          met: ssimLoss <= GOALS.ssimLoss && psnrLoss <= GOALS.psnrLoss,
        },
      ],
      data: {
        images: order.map((photo, i) => ({ name: photo.name, megapixels: photo.megapixels, raw: { bytes: raw[0]!.images[i]!.length, ...rawScores[i] }, deployed: { bytes: service[0]!.images[i]!.length, ...serviceScores[i] } })),
        rawMs: raw.map((run) => run.ms),
        deployedMs: service.map((run) => run.ms),
      },
    })
  } finally {
    for (const service of services) service.kill('SIGKILL')
    await Promise.all(services.map((service) => service.exited))
    server.kill()
    await environment.close()
  }
}, ONCE)
