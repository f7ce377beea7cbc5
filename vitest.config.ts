import { configDefaults, defineConfig } from 'vitest/config'

// `--mode cluster` (npm run test:cluster): only tests/cluster/, which starts RabbitMQ nodes of its own.
export default defineConfig(({ mode }) => ({
  test: {
    include: mode === 'cluster' ? ['tests/cluster/**/*.test.ts'] : ['tests/**/*.test.ts'],
    exclude: mode === 'cluster' ? configDefaults.exclude : [...configDefaults.exclude, 'tests/cluster/**'],
    // Benchmarks also get bench/global-setup.ts: it merges their results into bench/results/latest.json.
    globalSetup: ['tests/global-setup.ts', ...(mode === 'benchmark' ? ['bench/global-setup.ts'] : [])],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Benchmark files one after another: CPU-bound figures from two files at once on 2 cores mean nothing.
    ...(mode === 'benchmark' ? { fileParallelism: false, maxWorkers: 1 } : {}),
    benchmark: { include: ['bench/**/*.bench.ts'] },
  },
}))
