// Issue 19: the deployed service (`npm run start:api` + `npm run start:worker`) on real photos
// served by nginx as image hosts of the internet would: loopback at full speed, first-byte latency
// and a bandwidth cap per connection, and a host that stalls. Against it, in the same run, the
// same-work limit: raw sharp doing exactly the worker's image work (decode once, main file,
// variants, placeholder), one image per core, sources from memory.
import { readFile } from 'node:fs/promises'
import pLimit from 'p-limit'
import sharp from 'sharp'
import { bench } from 'vitest'
import { compressOptions } from '../src/images/compress.ts'
import { parseWidths } from '../src/images/variants.ts'
import { deploy, type Deployment } from './deployment.ts'
import { startOrigins, type Origin } from './nginx.ts'
import { build } from './npm-script.ts'
import { CACHE_DIR, loadPhotos, type Photo } from './photos/prepare.ts'
import { imageWork } from './pipeline.ts'
import { median, ONCE, report, round, timed, type Goal, type Row } from './report.ts'
import { cpuSince, threadCpu, totalMs } from './thread-cpu.ts'

const ROUNDS = 3
const PASSES = 3 // the corpus this many times a round, so that a round is long beside one download
const MB = 1_000_000
const LATENCIES_MS = [0, 100, 300]
const BANDWIDTHS = [0, 8 * MB, 2 * MB] // 0: unlimited
const STUCK: Origin = { latencyMs: 0, bytesPerSecond: 1 }
const GOALS = { limit: 0.9, internet: 0.9, stuck: 1.5 }

const describe = ({ latencyMs, bytesPerSecond }: Origin) =>
  `${latencyMs} ms, ${bytesPerSecond ? `${bytesPerSecond / MB} MB/s` : 'unlimited'}`

/** Products of 3 in the corpus's order (large and small mixed), `passes` times over. */
function productsOf(photos: Photo[], passes: number): Photo[][] {
  const all = Array.from({ length: passes }, () => photos).flat()
  return Array.from({ length: Math.ceil(all.length / 3) }, (_, i) => all.slice(i * 3, i * 3 + 3))
}

const urlsOf = (products: Photo[][], base: string) =>
  products.map((photos) => photos.map((photo) => `${base}/${photo.name}`))

async function vmHwmMb(pid: number): Promise<number> {
  return round(Number(/^VmHWM:\s+(\d+) kB/m.exec(await readFile(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024)
}

bench(
  '8. image hosts: loopback, internet-like, stuck',
  async () => {
    build()
    sharp.cache(false) // as the worker runs it (worker.ts)
    const photos = await loadPhotos()
    const sweep: Origin[] = LATENCIES_MS.flatMap((latencyMs) =>
      BANDWIDTHS.map((bytesPerSecond) => ({ latencyMs, bytesPerSecond })),
    )
    const origins = await startOrigins(CACHE_DIR, [...sweep, STUCK])
    const [loopback, stuck] = [origins.urls[0]!, origins.urls.at(-1)!]
    let deployment: Deployment | undefined
    try {
      deployment = await deploy({ imageHosts: origins.hosts })
      const { config } = deployment
      const products = productsOf(photos, PASSES)
      const images = products.flat().length
      const options = compressOptions(config)
      const widths = parseWidths(config.IMAGE_VARIANT_WIDTHS)
      const limit = () => {
        const slots = pLimit(config.IMAGE_CONCURRENCY)
        // A fresh copy per image, as a download hands one over.
        return timed(() =>
          Promise.all(products.flat().map((photo) => slots(() => imageWork(Buffer.from(photo.data), options, widths)))),
        )
      }
      const pid = deployment.workerPid()
      const service = async (base: string) => {
        const before = threadCpu(pid)
        const { ms } = await deployment!.run(urlsOf(products, base))
        return { ms, cpu: cpuSince(before, threadCpu(pid)) }
      }

      // Warm-up: JIT, pools, connections, nginx's page cache.
      await limit()
      await service(loopback)

      // 1. Loopback against the same-work limit, rounds alternating.
      const limitRuns: { ms: number; cpu: Record<string, number> }[] = []
      const loopbackRuns: { ms: number; cpu: Record<string, number> }[] = []
      for (let r = 0; r < ROUNDS; r++) {
        const limitRound = async () => {
          const before = threadCpu(process.pid)
          limitRuns.push({ ms: await limit(), cpu: cpuSince(before, threadCpu(process.pid)) })
        }
        if (r % 2 === 0) await limitRound()
        loopbackRuns.push(await service(loopback))
        if (r % 2 === 1) await limitRound()
      }
      const rate = (ms: number) => round((images * 1000) / ms, 2)
      const limitRate = rate(median(limitRuns.map((run) => run.ms)))
      const loopbackMs = median(loopbackRuns.map((run) => run.ms))
      const loopbackRate = rate(loopbackMs)
      const ofLimit = round(loopbackRate / limitRate, 3)

      // 2. Internet-like origins, each once, beside a loopback round of its own.
      const sweepRows: Row[] = []
      const internet: number[] = []
      for (const [i, origin] of sweep.entries()) {
        if (i === 0) continue // loopback itself
        const { ms } = await service(origins.urls[i]!)
        const { ms: beside } = await service(loopback)
        const ratio = round(beside / ms, 3)
        if (origin.latencyMs >= 100 && origin.bytesPerSecond === 8 * MB) internet.push(ratio)
        sweepRows.push({
          origin: describe(origin),
          'images/s': rate(ms),
          'loopback images/s beside it': rate(beside),
          'of loopback': ratio,
        })
      }

      // 3. A stuck host: products whose images point at it, then ordinary ones.
      const ordinary = urlsOf(products.slice(0, 4), loopback)
      const { ms: aloneMs } = await deployment.run(ordinary)
      const stuckIds = [
        await deployment.post(urlsOf(products.slice(4, 5), stuck)[0]!),
        await deployment.post(urlsOf(products.slice(5, 6), stuck)[0]!),
      ]
      const { ms: behindMs } = await deployment.run(ordinary)
      const stuckRatio = round(behindMs / aloneMs, 2)
      const peakMb = await vmHwmMb(pid)

      const cpuRow = (name: string, cpu: Record<string, number>) => ({
        thread: name,
        ...Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, round(v / 1000, 2)])),
      })
      const medianCpu = (runs: { cpu: Record<string, number> }[]) => {
        const names = Object.keys(runs[0]!.cpu)
        return Object.fromEntries(names.map((name) => [name, median(runs.map((run) => run.cpu[name] ?? 0))]))
      }
      const workerCpu = medianCpu(loopbackRuns)
      const limitCpu = medianCpu(limitRuns)
      const limitCpuMs = totalMs(limitCpu)
      const goals: Goal[] = [
        {
          goal:
            `deployed, real photos, loopback ≥ ${GOALS.limit} of the same-work limit ` +
            '(raw sharp, one image per core)',
          measured: ofLimit.toFixed(2),
          met: ofLimit >= GOALS.limit,
        },
        {
          goal: `internet-like origins (100–300 ms first byte, 8 MB/s a connection) ≥ ${GOALS.internet} of loopback`,
          measured: internet.map((r) => r.toFixed(2)).join(', '),
          met: internet.every((r) => r >= GOALS.internet),
        },
        {
          goal: `ordinary products behind 2 products on a stuck host done in ≤ ${GOALS.stuck}× their time alone`,
          measured: `${stuckRatio}×`,
          met: stuckRatio <= GOALS.stuck,
        },
      ]
      report('8-image-hosts', {
        title: 'Image hosts: loopback, internet-like, stuck',
        method:
          `${photos.length} real photos (bench/photos, ` +
          `${Math.min(...photos.map((p) => p.megapixels))}–${Math.max(...photos.map((p) => p.megapixels))} MP) ` +
          `${PASSES} times a round, ` +
          `in ${products.length} products of up to 3, posted through the API; npm run start:api + npm run ` +
          `start:worker, NODE_ENV=production, defaults ` +
          `(IMAGE_CONCURRENCY ${config.IMAGE_CONCURRENCY}). Images from nginx (echo_sleep for the first byte, ` +
          `limit_rate per connection), one port per origin. ` +
          `Same-work limit: imageWork() (decode once, main file, variants ${config.IMAGE_VARIANT_WIDTHS}, ` +
          `placeholder) in the bench process, ${config.IMAGE_CONCURRENCY} at a time, sources from memory; ` +
          `${ROUNDS} rounds alternating with loopback, median. Each internet-like origin: one round, then a ` +
          `loopback round beside it. ` +
          `Stuck: 4 ordinary products alone, then 2 products whose images come from a host sending 1 byte/s, then ` +
          `the same 4 ordinary ones. ` +
          `CPU: the worker process's threads from /proc/<pid>/task (median of the loopback rounds) against the ` +
          `bench process's for the limit.`,
        rows: [
          {
            path: 'same-work limit: raw sharp, one image per core',
            'images/s': limitRate,
            'CPU s a round': round(limitCpuMs / 1000, 2),
          },
          {
            path: 'deployed, loopback',
            'images/s': loopbackRate,
            'CPU s a round': round(totalMs(workerCpu) / 1000, 2),
          },
          {
            path: 'ratio deployed / limit',
            'images/s': ofLimit,
            'CPU s a round': round(totalMs(workerCpu) / limitCpuMs, 3),
          },
          ...sweepRows,
          { path: 'stuck host: 4 ordinary products alone (s)', 'images/s': round(aloneMs / 1000, 2) },
          { path: 'stuck host: the same behind 2 stuck products (s)', 'images/s': round(behindMs / 1000, 2) },
          // The memory goal is 4-memory's, on the three largest photos; this is the whole corpus at full speed.
          { path: "worker's peak RSS over all of the above, MB (VmHWM)", 'images/s': peakMb },
          cpuRow("worker's CPU by thread, s a loopback round", workerCpu),
          cpuRow("the limit's CPU by thread (bench process), s a round", limitCpu),
        ],
        goals,
        data: { images, limitRuns, loopbackRuns, sweep: sweepRows, aloneMs, behindMs, stuckIds, peakMb },
      })
    } finally {
      await deployment?.stop()
      await origins.stop()
    }
  },
  ONCE,
)
