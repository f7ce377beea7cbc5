// `npm run docs:config`: writes docs/configuration.md from EnvSchema, so the reference cannot drift
// from what the service reads. A unit test fails while the committed file differs from this output.
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import type { TSchema } from '@sinclair/typebox'
import { EnvSchema } from './config.ts'

export const CONFIGURATION_FILE = path.resolve(import.meta.dirname, '../docs/configuration.md')

const KIB = 1024
const MIB = 1024 * KIB

/** A table cell: no line breaks, and a `|` that does not end the cell. */
const cell = (text: string): string => text.replace(/\s*\n\s*/g, ' ').replaceAll('|', '\\|')
const code = (text: string): string => `\`${text}\``

/** A size in bytes as people say it, when it is a whole number of KiB or MiB. */
function sizeOf(bytes: number): string | undefined {
  if (bytes >= MIB && bytes % MIB === 0) return `${bytes / MIB} MiB`
  if (bytes >= KIB && bytes % KIB === 0) return `${bytes / KIB} KiB`
  return undefined
}

/** The default as a reader types it: the value, with its size or duration beside it. */
export function defaultOf(name: string, schema: TSchema): string {
  if (typeof schema.documentedDefault === 'string') return schema.documentedDefault
  const value: unknown = schema.default
  if (value === '') return '(empty)'
  if (typeof value === 'number') {
    const readable = name.endsWith('_BYTES')
      ? sizeOf(value)
      : name.endsWith('_MS') && value >= 1000
        ? `${value / 1000} s`
        : undefined
    return readable ? `${code(String(value))} (${readable})` : code(String(value))
  }
  return code(String(value))
}

/** What the schema accepts, in words. */
export function allowedOf(schema: TSchema): string {
  if (Array.isArray(schema.anyOf)) {
    return (schema.anyOf as TSchema[]).map((option) => code(String(option.const))).join(', ')
  }
  switch (schema.type) {
    case 'integer': {
      const { minimum, maximum } = schema as { minimum?: number; maximum?: number }
      if (maximum === undefined) return `integer ≥ ${minimum}`
      return `integer ${minimum}–${maximum}`
    }
    case 'boolean':
      return '`true`, `false`'
    case 'string':
      if (typeof schema.pattern === 'string') return `matches ${code(schema.pattern)}`
      if (typeof schema.minLength === 'number' && schema.minLength > 0) return 'not empty'
      return 'any'
    default:
      throw new Error(`no rendering for a ${String(schema.type)} setting`)
  }
}

/** docs/configuration.md, rendered from EnvSchema. */
export function configurationMarkdown(schema: { properties: Record<string, TSchema> } = EnvSchema): string {
  const rows = Object.entries(schema.properties).map(([name, setting]) => {
    if (typeof setting.description !== 'string') throw new Error(`${name} has no description in EnvSchema`)
    const cells = [code(name), cell(defaultOf(name, setting)), cell(allowedOf(setting)), cell(setting.description)]
    return `| ${cells.join(' | ')} |`
  })
  return [
    '<!-- Generated from EnvSchema (src/config.ts) by `npm run docs:config`: edit the descriptions there. -->',
    '# Configuration',
    '',
    'The service reads these environment variables once, at start, and checks them: a bad value stops the',
    'process with a message naming the variable and what it got. A variable set to an empty string counts',
    'as unset (its default applies), except `IMAGE_VARIANT_WIDTHS`, where empty means no variants.',
    '`npm start`, `npm run start:api` and `npm run start:worker` read the same variables; the README lists',
    'the few people change first.',
    '',
    '| Variable | Default | Accepted | What it does |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
    'Beside these, with `STORAGE=s3`, the AWS SDK reads its own variables through its default credential',
    'chain: `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`, or a profile, or an instance role',
    '([operations](operations.md#object-storage)). `bin/start.sh` sets `MALLOC_ARENA_MAX=2` and',
    '`MALLOC_MMAP_THRESHOLD_=131072` unless they are set ([operations](operations.md#processes-and-roles)).',
    '',
  ].join('\n')
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  writeFileSync(CONFIGURATION_FILE, configurationMarkdown())
  console.log(`wrote ${path.relative(process.cwd(), CONFIGURATION_FILE)}`)
}
