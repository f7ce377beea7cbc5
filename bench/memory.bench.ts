// Issue item 4: peak resident memory of a worker process (the real entry point) while it works
// through 4000×3000 photos at full concurrency (prefetch 2 products of 3 images, IMAGE_CONCURRENCY
// images at a time). VmHWM in /proc/<pid>/status is the kernel's high-water mark of the RSS.
// The defaults (as `npm start` runs) decide the goal; two variants show what glibc's allocator and
// the concurrency add. The Dockerfile sets MALLOC_ARENA_MAX=2.
import { readFile } from 'node:fs/promises'
import { bench } from 'vitest'
import { stopService, type ServiceProcess } from '../tests/helpers/service-process.ts'
import { makeCorpus } from './corpus.ts'
import { productsOf, startPipeline, startWorkerProcess } from './pipeline.ts'
import { ONCE, report, round, type Row } from './report.ts'

const PRODUCTS = 6
const GOAL_MB = 300
const VARIANTS: Record<string, Record<string, string>> = {
  'defaults (IMAGE_CONCURRENCY 4)': {},
  // glibc gives each thread that allocates its own arena and keeps what it freed there.
  'MALLOC_ARENA_MAX=2 (as in the Dockerfile)': { MALLOC_ARENA_MAX: '2' },
  'MALLOC_ARENA_MAX=2, IMAGE_CONCURRENCY=2': { MALLOC_ARENA_MAX: '2', IMAGE_CONCURRENCY: '2' },
}

/** A /proc/<pid>/status field (kB) in MB. */
async function statusMb(pid: number, field: 'VmRSS' | 'VmHWM'): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  return round(Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]) / 1024)
}

bench('4. worker memory', async () => {
  const corpus = await makeCorpus(['4000x3000 JPEG q92'], 2)
  const pipeline = await startPipeline(corpus)
  const workers: ServiceProcess[] = []
  try {
    const rows: Row[] = []
    for (const [variant, env] of Object.entries(VARIANTS)) {
      const worker = await startWorkerProcess(pipeline, workers, env)
      const idle = await statusMb(worker.pid, 'VmRSS')
      const { ms } = await pipeline.run(productsOf(corpus, PRODUCTS), [worker])
      rows.push({ worker: variant, 'idle RSS MB': idle, 'peak RSS MB (VmHWM)': await statusMb(worker.pid, 'VmHWM'), 'RSS after MB': await statusMb(worker.pid, 'VmRSS'), 'images/s': round((PRODUCTS * 3 * 1000) / ms, 2) })
      await stopService(worker)
    }
    const peak = rows[0]!['peak RSS MB (VmHWM)'] as number
    report('4-memory', {
      title: 'Worker memory',
      method: `A fresh worker process (src/main.ts worker, prefetch 2) per row, each on ${PRODUCTS} products of 3 × 4000×3000 JPEG q92 (${PRODUCTS * 3} images); RSS from /proc/<pid>/status.`,
      rows,
      goals: [{ goal: `worker peak RSS ≤ ${GOAL_MB} MB (4000×3000, full concurrency, defaults)`, measured: `${peak} MB`, met: peak <= GOAL_MB }],
      data: { products: PRODUCTS, images: PRODUCTS * 3 },
    })
  } finally {
    await Promise.all(workers.map(stopService))
    await pipeline.close()
  }
}, ONCE)
