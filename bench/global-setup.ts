// Benchmark mode only (see vitest.config.ts): starts each run with no section results, and at
// the end merges what every bench file wrote into bench/results/latest.json (report.ts mergeRun)
// and prints the goals.
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { mergeRun, RESULTS_DIR, SECTIONS_DIR, type Latest, type Section } from './report.ts'

const sharpVersion = () =>
  (
    JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../node_modules/sharp/package.json'), 'utf8')) as {
      version: string
    }
  ).version

export default function setup() {
  const startedAt = new Date()
  rmSync(SECTIONS_DIR, { recursive: true, force: true })

  return () => {
    if (!existsSync(SECTIONS_DIR)) {
      return console.log('\nNo benchmark wrote a section: bench/results/latest.json is left as it was.')
    }
    const files = readdirSync(SECTIONS_DIR, { withFileTypes: true }).filter(
      (f) => f.isFile() && f.name.endsWith('.json'),
    )
    const sections = Object.fromEntries(
      files
        .map((f) => f.name)
        .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
        .map((name) => [
          name.replace(/\.json$/, ''),
          JSON.parse(readFileSync(path.join(SECTIONS_DIR, name), 'utf8')) as Section,
        ]),
    )
    const wallSeconds = Math.round((Date.now() - startedAt.getTime()) / 1000)
    const machine = {
      cpus: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown'}`,
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      sharp: sharpVersion(),
      platform: `${os.platform()} ${os.release()}`,
    }
    const latestFile = path.join(RESULTS_DIR, 'latest.json')
    const previous = existsSync(latestFile) ? (JSON.parse(readFileSync(latestFile, 'utf8')) as Latest) : undefined
    // `npm run bench` is `vitest bench --run`: any other argument names the files of a partial run.
    const filters = process.argv.slice(2).filter((arg) => arg !== 'bench' && !arg.startsWith('-'))
    const command = filters.length > 0 ? `npx vitest bench --run ${filters.join(' ')}` : 'npm run bench'
    const run = { command, startedAt: startedAt.toISOString(), wallSeconds, machine }
    writeFileSync(latestFile, `${JSON.stringify(mergeRun(previous, run, sections), null, 2)}\n`)

    const goals = Object.entries(sections).flatMap(([key, section]) =>
      (section.goals ?? []).map((g) => ({ section: key, ...g })),
    )
    console.log(
      `\nGoals (${machine.cpus}, Node ${machine.node}; ${wallSeconds} s; written to bench/results/latest.json)`,
    )
    console.table(
      goals.map(({ section, goal, measured, met }) => ({ section, goal, measured, met: met ? 'yes' : 'NO' })),
    )
  }
}
