import { readdir } from 'node:fs/promises'
import { expect, it, onTestFailed } from 'vitest'
import type { ServerResponse } from 'node:http'
import { apiUrlOf } from '../../helpers/service-process.ts'
import { countDone, postBatch, STARTUP_MS, useScenario } from './harness.ts'

// Downloads that never answer while this test runs: their product stays processing, under its lock.
const stalled: ServerResponse[] = []
const { scenario, services } = useScenario({
  '/stalled.jpg': (_request, response) => {
    stalled.push(response)
  },
})

it(
  'deletions cut short by kill -9 of the worker finish after a restart, with no file left behind',
  { timeout: 180_000 },
  async () => {
    onTestFailed(services.printTails)
    const { db } = scenario().database
    const api = services.start('api')
    const never = { DOWNLOAD_TIMEOUT_MS: '600000', DOWNLOAD_HEADERS_TIMEOUT_MS: '600000' }
    const worker = services.start('worker', never)
    await worker.waitFor((line) => line.msg === 'worker consuming', STARTUP_MS)
    const apiUrl = await apiUrlOf(api)
    const authorization = `Bearer ${scenario().apiKey}`

    // A product the worker is in the middle of: its deletion has to wait for the worker's lock.
    const created = await fetch(`${apiUrl}/products`, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/json' },
      body: JSON.stringify({
        user_id: scenario().userId,
        product_name: 'Stuck',
        product_description: '',
        product_images: [scenario().images.url('/stalled.jpg')],
        product_price: 1,
      }),
    })
    const { product_id: stuck } = (await created.json()) as { product_id: number }
    await expect.poll(() => stalled.length, { timeout: 60_000 }).toBeGreaterThan(0)
    // And products with files, some done, some on their way.
    const posted = await postBatch(scenario(), apiUrl, 20)
    await expect.poll(() => countDone(scenario()), { timeout: 60_000, interval: 50 }).toBeGreaterThanOrEqual(3)

    for (const id of [stuck, ...posted.map((p) => p.productId)]) {
      expect((await fetch(`${apiUrl}/products/${id}`, { method: 'DELETE', headers: { authorization } })).status).toBe(
        204,
      )
    }
    worker.kill('SIGKILL')
    expect((await worker.exited).signal).toBe('SIGKILL')
    const unfinished = () => db.productDeletion.count({ where: { files_removed_at: null } })
    expect(await unfinished()).toBeGreaterThan(0) // the kill did cut deletions short

    services.start('worker', never)
    await expect.poll(unfinished, { timeout: 90_000, interval: 250 }).toBe(0)
    expect(await db.productDeletion.count()).toBe(21)
    expect(await db.product.count()).toBe(0)
    expect(await readdir(scenario().imagesDir)).toEqual([])
  },
)
