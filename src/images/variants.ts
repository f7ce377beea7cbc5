/** IMAGE_VARIANT_WIDTHS as numbers, ascending, without repeats; an empty list turns variants off. */
export const parseWidths = (list: string): number[] =>
  [...new Set(list.split(',').filter(Boolean).map(Number))].sort((a, b) => a - b)

/** The variants of a main image `mainWidth` wide: only narrower widths, so none is an upscale or a copy. */
export const variantWidthsFor = (mainWidth: number, widths: readonly number[]): number[] =>
  widths.filter((width) => width < mainWidth)
