import { describe, expect, it } from 'vitest'
import { keywordsAsExtensions } from '../../src/docs.ts'

describe('keywordsAsExtensions', () => {
  const keywords = new Set(['text', 'imageUrl'])

  it('turns our keywords into x- extensions, at any depth', () => {
    const schema = {
      type: 'object',
      properties: {
        name: { type: 'string', text: 'line' },
        urls: { type: 'array', items: { type: 'string', imageUrl: true } },
      },
    }
    expect(keywordsAsExtensions(schema, keywords)).toEqual({
      type: 'object',
      properties: {
        name: { type: 'string', 'x-text': 'line' },
        urls: { type: 'array', items: { type: 'string', 'x-imageUrl': true } },
      },
    })
  })

  it('leaves a property that happens to share a keyword’s name alone, and other keys and arrays as they are', () => {
    const schema = { properties: { text: { type: 'string', text: 'paragraph' } }, required: ['text'], enum: [null, 1] }
    expect(keywordsAsExtensions(schema, keywords)).toEqual({
      properties: { text: { type: 'string', 'x-text': 'paragraph' } },
      required: ['text'],
      enum: [null, 1],
    })
  })
})
