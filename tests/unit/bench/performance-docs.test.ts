import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import {
  BEGIN,
  END,
  type Latest,
  PERFORMANCE_FILE,
  performanceMarkdown,
  performanceTables,
  readLatest,
  rowsTable,
  sectionOrder,
} from '../../../bench/performance-docs.ts'
import { mergeRun } from '../../../bench/report.ts'

const latest = (sections: Latest['sections']): Latest => ({
  command: 'npm run bench',
  startedAt: '2026-01-01T00:00:00.000Z',
  wallSeconds: 12,
  machine: { cpus: '4 × Some CPU', memoryGiB: 8, node: 'v24.0.0', sharp: '0.35.5', platform: 'linux 6' },
  sections,
})

describe('docs/performance.md', () => {
  it('holds the tables npm run docs:performance renders from latest.json (run it after a bench)', () => {
    const page = readFileSync(PERFORMANCE_FILE, 'utf8')
    expect(page).toBe(performanceMarkdown(page, readLatest()))
  })

  it('quotes no figure outside the generated part: the prose says what is measured, the tables what was', () => {
    const page = readFileSync(PERFORMANCE_FILE, 'utf8')
    const prose = page.slice(0, page.indexOf(BEGIN)) + page.slice(page.indexOf(END) + END.length)
    // A measurement: a number with a unit or a ratio (settings such as effort 2 or q80 are not figures).
    expect(prose).not.toMatch(/\d\s?(?:%|×|ms\b|s\b|MB\b|MiB\b|GB\b|KB\b|req\/s|images\/s)/)
  })
})

describe('performanceTables', () => {
  it('renders the run, then each section in section order: title, method, rows and goals met or not', () => {
    const markdown = performanceTables(
      latest({
        '9-variants': { title: 'Variants', method: 'Nine.', rows: [{ widths: 'none', 'images/s': 3 }] },
        '10-later': { title: 'Later', method: 'Ten.', rows: [] },
        '2-api': {
          title: 'API',
          method: 'Two.',
          rows: [{ target: 'a', 'req/s': 10 }],
          goals: [
            { goal: 'fast', measured: '10', met: true },
            { goal: 'faster', measured: '10', met: false },
          ],
        },
      }),
    )
    expect(markdown.startsWith(BEGIN) && markdown.endsWith(END)).toBe(true)
    expect(markdown).toContain(
      '`npm run bench`, started 2026-01-01T00:00:00.000Z, took 12 s on 4 × Some CPU, 8 GiB, Node v24.0.0, sharp ' +
        '0.35.5, linux 6.',
    )
    expect(markdown.indexOf('### API')).toBeLessThan(markdown.indexOf('### Variants'))
    expect(markdown.indexOf('### Variants')).toBeLessThan(markdown.indexOf('### Later'))
    expect(markdown).toContain('| API | fast | 10 | met |')
    expect(markdown).toContain('- Goal, not met: faster. Measured: 10.')
    expect(markdown).toContain('| none | 3 |')
  })

  it('renders only the sections there are', () => {
    const markdown = performanceTables(
      latest({ '1-worker-vs-sharp': { title: 'Worker vs raw sharp', method: 'One.', rows: [] } }),
    )
    expect(markdown).toContain('### Worker vs raw sharp')
    expect(markdown).not.toContain('### Goals')
    expect(markdown).not.toContain('Image hosts')
  })

  it('keeps every column of rows that differ, escapes pipes and names an empty header', () => {
    expect(
      rowsTable([
        { '': 'a|b', p50: 1 },
        { '': 'c', thread: 2 },
      ]),
    ).toEqual(['|   | p50 | thread |', '| --- | --- | --- |', '| a\\|b | 1 |  |', '| c |  | 2 |'])
    expect(sectionOrder(['8-levers', '10-x', '8-image-hosts', '1-a'])).toEqual([
      '1-a',
      '8-image-hosts',
      '8-levers',
      '10-x',
    ])
  })

  it('replaces only what lies between the markers', () => {
    const page = `# Title\n\nProse.\n\n${BEGIN}\nstale\n${END}\n\nMore prose.\n`
    const rendered = performanceMarkdown(page, latest({}))
    expect(rendered.startsWith('# Title\n\nProse.\n\n')).toBe(true)
    expect(rendered.endsWith(`${END}\n\nMore prose.\n`)).toBe(true)
    expect(rendered).not.toContain('stale')
    expect(() => performanceMarkdown('# No markers\n', latest({}))).toThrow(/markers/)
  })
})

describe('mergeRun', () => {
  const run = (command: string, startedAt: string) => ({
    command,
    startedAt,
    wallSeconds: 5,
    machine: { cpus: '2 × CPU', platform: 'linux 6' },
  })
  const section = (title: string) => ({ title, method: `${title}.`, rows: [] })
  const full = { ...run('npm run bench', '2026-01-01'), sections: { '1-a': section('A'), '2-b': section('B') } }

  it('a full run replaces latest.json', () => {
    const next = run('npm run bench', '2026-02-01')
    const sections = { '1-a': section('A2'), '2-b': section('B2'), '3-c': section('C') }
    expect(mergeRun(full, next, sections)).toEqual({ ...next, sections })
    expect(mergeRun(undefined, next, { '1-a': section('A') })).toEqual({ ...next, sections: { '1-a': section('A') } })
  })

  it('a partial run replaces its sections, stamped with its own run, and keeps the rest of the last full run', () => {
    const partial = run('npx vitest bench --run bench/b.bench.ts', '2026-02-01')
    const merged = mergeRun(full, partial, { '2-b': section('B2') })
    expect(merged).toEqual({ ...full, sections: { '1-a': section('A'), '2-b': { ...section('B2'), rerun: partial } } })
    const markdown = performanceTables(merged)
    expect(markdown).toContain('`npm run bench`, started 2026-01-01, took 5 s on 2 × CPU, linux 6.')
    expect(markdown).toContain(
      'Measured again on its own, after the run above: `npx vitest bench --run bench/b.bench.ts`, started 2026-02-01',
    )
  })
})
