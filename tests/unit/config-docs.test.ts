import { readFileSync } from 'node:fs'
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
    expect(() => configurationMarkdown({ properties: { UNDESCRIBED: Type.String({ default: '' }) } })).toThrow(/UNDESCRIBED/)
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
    expect(configurationMarkdown({ properties: { X: Type.String({ pattern: '^(a|b)$', default: 'a', description: 'x' }) } })).toContain(
      '| `X` | `a` | matches `^(a\\|b)$` | x |',
    )
  })
})
