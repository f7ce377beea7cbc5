// Issue 11, item 4: peak resident memory of a worker process while it works through 12–18 MP real
// photos at full concurrency (WORKER_PREFETCH products of 3 images, IMAGE_CONCURRENCY images at a time).
// VmHWM in /proc/<pid>/status is the kernel's high-water mark of the RSS. The goal is for the
// worker as it is started: `npm run start:worker`, and the Docker image's ENTRYPOINT with its ENV.
// The other rows show what the levers add: how we started it before (tsx, no allocator setting),
// jemalloc instead of glibc's malloc, fewer images at a time.
import { existsSync, readFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { bench } from 'vitest'
import { type ServiceProcess, startCommand } from '../tests/helpers/index.ts'
import type { Image } from './corpus.ts'
import { build, serviceProcessOf, stopCommand } from './npm-script.ts'
import { loadPhotos } from './photos/prepare.ts'
import { productsOf, startPipeline, type Pipeline } from './pipeline.ts'
import { ONCE, report, round, type Row } from './report.ts'

const PRODUCTS = 6
const GOAL_MB = 300
const PHOTOS = ['elephants.jpg', 'elephants-4000x3000.jpg', 'elephants-adobe-rgb-orientation-6.jpg']
const JEMALLOC = '/usr/lib/x86_64-linux-gnu/libjemalloc.so.2'
const ROOT = path.resolve(import.meta.dirname, '..')

/** The Dockerfile's ENTRYPOINT and the ENV of its final stage, read from the file itself. */
function dockerStart(): { command: string[]; env: Record<string, string> } {
  const dockerfile = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8')
  const final = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '))
  const command = JSON.parse(/^ENTRYPOINT (\[.*\])$/m.exec(final)![1]!) as string[]
  const env = Object.fromEntries(
    [...(/^ENV (.*)$/m.exec(final)?.[1] ?? '').matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1]!, m[2]!]),
  )
  // Where things are stays the bench's own.
  for (const name of ['HOST', 'PORT', 'IMAGES_DIR']) delete env[name]
  return { command: [...command, 'worker'], env }
}

interface Variant {
  start: (pipeline: Pipeline) => ServiceProcess
  /** Counts towards the goal. */
  goal?: boolean
}

const docker = dockerStart()
// Allocator settings of this shell never reach a row: each row sets its own, or its start command does.
const ALLOCATOR = ['MALLOC_ARENA_MAX', 'MALLOC_MMAP_THRESHOLD_', 'LD_PRELOAD']
const npmStart = (p: Pipeline, env: Record<string, string> = {}) =>
  startCommand(['npm', 'run', '-s', 'start:worker'], p.env(env), ALLOCATOR)
const nodeDist = (p: Pipeline, env: Record<string, string> = {}) =>
  startCommand([process.execPath, 'dist/main.js', 'worker'], p.env(env), ALLOCATOR)

const VARIANTS: Record<string, Variant> = {
  'npm run start:worker (defaults)': { start: (p) => npmStart(p), goal: true },
  [`as the Docker image: ${docker.command.join(' ')}, ${Object.entries(docker.env)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ')}`]: {
    start: (p) => startCommand(docker.command, p.env(docker.env), ALLOCATOR),
    goal: true,
  },
  'as first deployed: node --import tsx src/main.ts worker, effort 4, 4 at a time, no allocator setting': {
    start: (p) =>
      startCommand(
        [process.execPath, '--import', 'tsx', 'src/main.ts', 'worker'],
        p.env({ IMAGE_EFFORT: '4', IMAGE_CONCURRENCY: '4' }),
        ALLOCATOR,
      ),
  },
  'node dist/main.js worker, MALLOC_ARENA_MAX=2 alone (glibc moves its mmap threshold up)': {
    start: (p) => nodeDist(p, { MALLOC_ARENA_MAX: '2' }),
  },
  ...(existsSync(JEMALLOC)
    ? {
        'node dist/main.js worker with jemalloc (LD_PRELOAD)': {
          start: (p: Pipeline) => nodeDist(p, { LD_PRELOAD: JEMALLOC }),
        },
      }
    : {}),
  'npm run start:worker, variants off (IMAGE_VARIANT_WIDTHS empty)': {
    start: (p) => npmStart(p, { IMAGE_VARIANT_WIDTHS: '' }),
  },
  'npm run start:worker, no decode budget (IMAGE_DECODE_PIXELS=1000000000)': {
    start: (p) => npmStart(p, { IMAGE_DECODE_PIXELS: '1000000000' }),
  },
  'npm run start:worker, one decode at a time here (IMAGE_DECODE_PIXELS=12000000)': {
    start: (p) => npmStart(p, { IMAGE_DECODE_PIXELS: '12000000' }),
  },
  "start:worker's command without --max-semi-space-size=2 (V8's young generation up to 16 MB a semi-space)": {
    start: (p) => nodeDist(p, { MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '131072' }),
  },
  'npm run start:worker, IMAGE_CONCURRENCY=4': { start: (p) => npmStart(p, { IMAGE_CONCURRENCY: '4' }) },
}

/** A /proc/<pid>/status field (kB) in MB. */
async function statusMb(pid: number, field: 'VmRSS' | 'VmHWM'): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  return round(Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]) / 1024)
}

bench(
  '4. worker memory',
  async () => {
    build()
    const photos = (await loadPhotos()).filter((photo) => PHOTOS.includes(photo.name))
    const corpus: Image[] = photos.map((photo) => ({ name: photo.name, kind: '4000x3000 JPEG q92', data: photo.data }))
    const pipeline = await startPipeline(corpus)
    const started: ServiceProcess[] = []
    try {
      const rows: Row[] = []
      const goals = []
      for (const [variant, { start, goal }] of Object.entries(VARIANTS)) {
        const worker = start(pipeline)
        started.push(worker)
        await worker.waitFor((line) => line.msg === 'worker consuming', 60_000)
        const pid = serviceProcessOf(worker.pid)
        const idle = await statusMb(pid, 'VmRSS')
        const { ms } = await pipeline.run(productsOf(corpus, PRODUCTS), [worker])
        const peak = await statusMb(pid, 'VmHWM')
        rows.push({
          worker: variant,
          'idle RSS MB': idle,
          'peak RSS MB (VmHWM)': peak,
          'RSS after MB': await statusMb(pid, 'VmRSS'),
          'images/s': round((PRODUCTS * 3 * 1000) / ms, 2),
        })
        if (goal) {
          goals.push({
            goal: `worker peak RSS ≤ ${GOAL_MB} MB, 12–18 MP photos, full concurrency: ${variant.split(':')[0]}`,
            measured: `${peak} MB`,
            met: peak <= GOAL_MB,
          })
        }
        await stopCommand(worker)
      }
      report('4-memory', {
        title: 'Worker memory',
        method:
          `A fresh worker process per row (default WORKER_PREFETCH and FETCH_MAX_BYTES), each on ${PRODUCTS} ` +
          `products of 3 real photos (${photos.map((p) => `${p.name} ${p.megapixels} MP`).join(', ')}; ` +
          `${PRODUCTS * 3} images); RSS of the node process from /proc/<pid>/status. Allocator variables ` +
          `(MALLOC_ARENA_MAX, MALLOC_MMAP_THRESHOLD_, LD_PRELOAD) are unset unless the row or its start command ` +
          `sets them.`,
        rows,
        goals,
        data: { products: PRODUCTS, images: PRODUCTS * 3 },
      })
    } finally {
      await Promise.all(started.map(stopCommand))
      await pipeline.close()
    }
  },
  ONCE,
)
