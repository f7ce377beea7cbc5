// What every benchmark file shares: how a section is run under vitest bench, a few statistics,
// and how a section's figures are printed and saved for bench/global-setup.ts to merge.
import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'

export const RESULTS_DIR = path.resolve(import.meta.dirname, 'results')
export const SECTIONS_DIR = path.join(RESULTS_DIR, 'sections')

/**
 * vitest bench options for a section that times its own fixed batches (a throughput or a
 * ratio over a batch is not a per-call timing): the function runs exactly once, no warm-up
 * (each section warms up itself), and vitest's table shows how long the section took.
 */
export const ONCE = { time: 0, iterations: 1, warmupTime: 0, warmupIterations: 0 }

export type Row = Record<string, string | number>

export interface Goal {
  goal: string
  measured: string
  met: boolean
}

export interface Section {
  title: string
  /** How it was measured: batch, parallelism, rounds. */
  method: string
  rows: Row[]
  goals?: Goal[]
  /** Anything else worth keeping in latest.json (raw rounds, ratios as numbers). */
  data?: Record<string, unknown>
  /** Set when the section was measured again on its own, after the full run that latest.json describes. */
  rerun?: Run
}

/** One bench run: its command, when it started, how long it took, and on what. */
export interface Run {
  command: string
  startedAt: string
  wallSeconds: number
  machine: Record<string, string | number>
}

/** bench/results/latest.json: the last full run, and every section it measured or a later rerun replaced. */
export interface Latest extends Run {
  sections: Record<string, Section>
}

/**
 * latest.json after a run. A full run (every section the last one had, or more) replaces it. A run of
 * some benchmarks only (`npx vitest bench --run bench/<file>`) replaces those sections and keeps the
 * others, each of them stamped with its own run: a change refreshes the figures it affects, once,
 * and every table still compares within one run.
 */
export function mergeRun(previous: Latest | undefined, run: Run, sections: Record<string, Section>): Latest {
  const partial = previous !== undefined && Object.keys(previous.sections).some((key) => !(key in sections))
  if (!partial) return { ...run, sections }
  const rerun = Object.fromEntries(Object.entries(sections).map(([key, section]) => [key, { ...section, rerun: run }]))
  return { ...previous, sections: { ...previous.sections, ...rerun } }
}

/** Prints a section as a table and writes it to bench/results/sections/<key>.json. */
export function report(key: string, section: Section): void {
  console.log(`\n## ${section.title}\n${section.method}`)
  console.table(section.rows)
  for (const { goal, measured, met } of section.goals ?? []) {
    console.log(`${met ? 'MET ' : 'MISSED'}  ${goal}: ${measured}`)
  }
  mkdirSync(SECTIONS_DIR, { recursive: true })
  writeFileSync(path.join(SECTIONS_DIR, `${key}.json`), `${JSON.stringify(section, null, 2)}\n`)
}

export const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length

export function median(values: number[]): number {
  return percentile(values, 50)
}

/** Nearest-rank percentile. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN
}

export const round = (value: number, digits = 1): number => Number(value.toFixed(digits))

/** Times one run of `work`, in milliseconds. */
export async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now()
  await work()
  return performance.now() - started
}

/**
 * `rounds` runs of each, alternating which goes first (a, b, b, a, a, b...), so a drift of the
 * machine hits both alike.
 */
export async function alternating<A, B>(rounds: number, a: () => Promise<A>, b: () => Promise<B>): Promise<[A[], B[]]> {
  const results: [A[], B[]] = [[], []]
  for (let r = 0; r < rounds; r++) {
    if (r % 2 === 0) results[0].push(await a())
    results[1].push(await b())
    if (r % 2 === 1) results[0].push(await a())
  }
  return results
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
