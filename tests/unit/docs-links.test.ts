import { existsSync, readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'

// Links between README.md and docs/ are checked like code: a moved page or a renamed heading
// fails here instead of leaving a reader at a dead link.
const root = path.resolve(import.meta.dirname, '../..')
const pages = [
  'README.md',
  ...readdirSync(path.join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
]

/** The text outside fenced code blocks, where Markdown links and headings live. */
const prose = (markdown: string): string => markdown.replace(/^```[^\n]*\n[\s\S]*?^```$/gm, '')

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens; repeats get -1, -2... */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>()
  const seen = new Map<string, number>()
  for (const [, heading] of prose(markdown).matchAll(/^#{1,6}\s+(.+?)\s*#*$/gm)) {
    const text = heading!.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/[`*]/g, '')
    const slug = text
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-')
    const count = seen.get(slug) ?? 0
    seen.set(slug, count + 1)
    anchors.add(count === 0 ? slug : `${slug}-${count}`)
  }
  for (const [, id] of markdown.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(id!)
  return anchors
}

const linksOf = (markdown: string): string[] =>
  [...prose(markdown).matchAll(/\]\(([^)\s]+)\)/g)]
    .map((match) => match[1]!)
    .filter((target) => !/^[a-z]+:/.test(target))

describe('links in README.md and docs/', () => {
  it.each(pages)('%s links only to files and headings that exist', (page) => {
    const markdown = readFileSync(path.join(root, page), 'utf8')
    const broken: string[] = []
    for (const link of linksOf(markdown)) {
      const [file, anchor] = link.split('#') as [string, string | undefined]
      const target = file ? path.resolve(path.dirname(path.join(root, page)), file) : path.join(root, page)
      if (!existsSync(target)) broken.push(`${link}: no such file`)
      else if (anchor && target.endsWith('.md') && !anchorsOf(readFileSync(target, 'utf8')).has(anchor)) {
        broken.push(`${link}: no such heading`)
      }
    }
    expect(broken).toEqual([])
  })

  it('finds anchors as GitHub makes them', () => {
    const anchors = anchorsOf(
      '# Delivery guarantees\n## A stored product is processed, at least once\n' +
        '### Profiles outside `npm run bench`\n## API\n## API\n',
    )
    expect([...anchors]).toEqual([
      'delivery-guarantees',
      'a-stored-product-is-processed-at-least-once',
      'profiles-outside-npm-run-bench',
      'api',
      'api-1',
    ])
  })
})
