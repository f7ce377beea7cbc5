import { readFileSync } from 'node:fs'
import path from 'node:path'
import { Type } from '@sinclair/typebox'
import { describe, expect, it } from 'vitest'
import { allowedOf, CONFIGURATION_FILE, configurationMarkdown, defaultOf } from '../../src/config-docs.ts'
import { EnvSchema } from '../../src/config.ts'

describe('docs/configuration.md', () => {
  it('is what npm run docs:config renders from EnvSchema (run it after changing a setting)', () => {
    expect(readFileSync(CONFIGURATION_FILE, 'utf8')).toBe(configurationMarkdown())
  })

  it('has a row for every setting, none of them without a description', () => {
    const markdown = configurationMarkdown()
    for (const name of Object.keys(EnvSchema.properties)) expect(markdown).toContain(`| \`${name}\` |`)
    expect(() => configurationMarkdown({ properties: { UNDESCRIBED: Type.String({ default: '' }) } })).toThrow(
      /UNDESCRIBED/,
    )
  })

  it("is what README's settings table links to, and that table says the schema's defaults", () => {
    const readme = readFileSync(path.resolve(import.meta.dirname, '../../README.md'), 'utf8')
    const start = readme.indexOf('\n## Settings\n')
    const settings = readme.slice(start, readme.indexOf('\n## ', start + 1))
    expect(settings).toContain('(docs/configuration.md)')
    const rows = [...settings.matchAll(/^\| `(\w+)` \| ([^|]+) \|/gm)].map(
      ([, name, value]) => [name!, value!.trim()] as const,
    )
    expect(rows).toHaveLength(8)
    for (const [name, value] of rows) {
      expect(value, name).toBe(defaultOf(name, EnvSchema.properties[name as keyof typeof EnvSchema.properties]))
    }
  })

  it('does not depend on the machine it is rendered on', () => {
    expect(defaultOf('IMAGE_CONCURRENCY', EnvSchema.properties.IMAGE_CONCURRENCY)).not.toMatch(/^`\d+`$/)
  })

  it('says defaults and accepted values as a reader types them, pipes escaped for the table', () => {
    expect(defaultOf('FETCH_MAX_BYTES', Type.Integer({ default: 32 * 1024 * 1024 }))).toBe('`33554432` (32 MiB)')
    expect(defaultOf('DOWNLOAD_TIMEOUT_MS', Type.Integer({ default: 30_000 }))).toBe('`30000` (30 s)')
    expect(defaultOf('AMQP_NAMESPACE', Type.String({ default: '' }))).toBe('(empty)')
    expect(allowedOf(Type.Integer({ minimum: 1, maximum: 64 }))).toBe('integer 1–64')
    expect(allowedOf(Type.Integer({ minimum: 100 }))).toBe('integer ≥ 100')
    expect(allowedOf(Type.Union([Type.Literal('local'), Type.Literal('s3')]))).toBe('`local`, `s3`')
    expect(
      configurationMarkdown({ properties: { X: Type.String({ pattern: '^(a|b)$', default: 'a', description: 'x' }) } }),
    ).toContain('| `X` | `a` | matches `^(a\\|b)$` | x |')
  })
})
