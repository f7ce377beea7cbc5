// Summarises `node --cpu-prof` profiles (e.g. from BENCH_CPU_PROF=<dir> with api-vs-bare.bench.ts):
// self time by package and by function, as a share of the busy (non-idle) samples.
//   npx tsx bench/cpu-profile.ts [--last SECONDS] [--top N] FILE.cpuprofile...
// --last keeps only the samples of the last SECONDS before the process's final sample: with the
// benchmark, the measured run and the shutdown after it, not the start and warm-up.
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { parseArgs } from 'node:util'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
}
interface Profile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

/** Where a function comes from: a package, our own code, Node itself, or V8's pseudo-frames. */
function origin(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)'
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)
  if (pkg) return pkg[1]!
  if (url.startsWith('node:')) return 'node:internal'
  const own = /\/(src|bench|tests)\//.exec(url)
  return own
    ? url
        .slice(url.indexOf(own[0]) + 1)
        .split('/')
        .slice(0, 2)
        .join('/')
    : url
}

function summarise(file: string, lastSeconds: number | undefined, top: number): void {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]))
  const times: number[] = []
  let t = 0
  for (const delta of profile.timeDeltas) times.push((t += delta))
  const end = times.at(-1) ?? 0
  const since = lastSeconds === undefined ? -Infinity : end - lastSeconds * 1e6

  const byOrigin = new Map<string, number>()
  const byFunction = new Map<string, number>()
  let busy = 0
  profile.samples.forEach((id, i) => {
    const { functionName, url, lineNumber } = nodes.get(id)!.callFrame
    if (times[i]! < since || functionName === '(idle)') return
    busy++
    const from = origin(url, functionName)
    byOrigin.set(from, (byOrigin.get(from) ?? 0) + 1)
    const name = `${functionName || '(anonymous)'} ${url ? `${path.basename(url)}:${lineNumber + 1}` : ''} [${from}]`
    byFunction.set(name, (byFunction.get(name) ?? 0) + 1)
  })
  const interval = end / Math.max(profile.samples.length, 1) / 1000
  const table = (counts: Map<string, number>) =>
    [...counts]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, n]) => ({ name, 'self %': Math.round((1000 * n) / busy) / 10 }))
  console.log(`\n${path.basename(file)}: ${busy} busy samples (about ${Math.round(busy * interval)} ms of CPU)`)
  console.table(table(byOrigin))
  console.table(table(byFunction))
}

const { values, positionals } = parseArgs({
  options: { last: { type: 'string' }, top: { type: 'string', default: '15' } },
  allowPositionals: true,
})
if (positionals.length === 0) {
  console.error('usage: npx tsx bench/cpu-profile.ts [--last SECONDS] [--top N] FILE.cpuprofile...')
  process.exit(2)
}
for (const file of positionals) {
  summarise(file, values.last === undefined ? undefined : Number(values.last), Number(values.top))
}
