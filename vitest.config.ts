import { defineConfig } from 'vitest/config'

export default defineConfig(({ mode }) => ({
  test: {
    include: ['tests/**/*.test.ts'],
    // Benchmarks also get bench/global-setup.ts: it merges their results into bench/results/latest.json.
    globalSetup: ['tests/global-setup.ts', ...(mode === 'benchmark' ? ['bench/global-setup.ts'] : [])],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Benchmark files one after another: CPU-bound figures from two files at once on 2 cores mean nothing.
    ...(mode === 'benchmark' ? { fileParallelism: false, maxWorkers: 1 } : {}),
    benchmark: { include: ['bench/**/*.bench.ts'] },
  },
}))
