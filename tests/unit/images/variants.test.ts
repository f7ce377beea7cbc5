import { describe, expect, it } from 'vitest'
import { parseWidths, variantWidthsFor } from '../../../src/images/variants.ts'

describe('parseWidths', () => {
  it('reads IMAGE_VARIANT_WIDTHS narrowest first, without repeats', () => {
    expect(parseWidths('1280,256,640,256')).toEqual([256, 640, 1280])
  })

  it('is empty for an empty value: variants off', () => {
    expect(parseWidths('')).toEqual([])
  })
})

describe('variantWidthsFor', () => {
  const widths = [256, 640, 1280]

  it('keeps only widths narrower than the main image', () => {
    expect(variantWidthsFor(2048, widths)).toEqual([256, 640, 1280])
    expect(variantWidthsFor(1000, widths)).toEqual([256, 640])
  })

  it('never makes a copy of the main width or an upscale', () => {
    expect(variantWidthsFor(640, widths)).toEqual([256])
    expect(variantWidthsFor(200, widths)).toEqual([])
  })
})
