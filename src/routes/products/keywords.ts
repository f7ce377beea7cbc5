import { imageUrlProblem } from '../../images/url-policy.ts'

/**
 * Ajv keywords for what JSON Schema cannot say, each failing with a message that says what is
 * wrong ("body/product_images/0 must not contain credentials"), registered by buildApp.
 */
function keyword<S, T>(name: string, type: 'string' | 'number', problem: (data: T, schema: S) => string | undefined) {
  function validate(schema: S, data: T): boolean {
    const message = problem(data, schema)
    validate.errors = message === undefined ? undefined : [{ keyword: name, message, params: {} }]
    return message === undefined
  }
  validate.errors = undefined as { keyword: string; message: string; params: object }[] | undefined
  return { keyword: name, type, errors: true as const, validate }
}

// PostgreSQL text cannot hold NUL, and a lone UTF-16 surrogate would be stored as U+FFFD, not as sent.
const TEXT_PROBLEMS = {
  line: (s: string) =>
    /[\p{Cc}\p{Cs}]/u.test(s)
      ? 'must not contain control characters or lone surrogates'
      : /\S/u.test(s)
        ? undefined
        : 'must not be blank',
  paragraph: (s: string) =>
    /[^\P{Cc}\t\n\r]|\p{Cs}/u.test(s)
      ? 'must not contain control characters (but tab and newline) or lone surrogates'
      : undefined,
}

/** At most `places` decimal places, read from the number as JSON wrote it (shortest round-trip form). */
const decimalPlaces = (value: number) =>
  /^-?\d+(?:\.(\d+))?$/.exec(String(value))?.[1]?.length ?? (Number.isInteger(value) ? 0 : Infinity)

/**
 * A number written in digits (a cursor), which a pattern cannot bound clearly: anything else is the
 * pattern's business.
 */
const numberAbove = (digits: string, maximum: number) =>
  /^[0-9]+$/.test(digits) && Number(digits) > maximum ? `must be at most ${maximum}` : undefined

export const productKeywords = [
  keyword('imageUrl', 'string', (url: string) => imageUrlProblem(url)),
  keyword('text', 'string', (s: string, kind: keyof typeof TEXT_PROBLEMS) => TEXT_PROBLEMS[kind](s)),
  keyword('maxDecimals', 'number', (n: number, places: number) =>
    decimalPlaces(n) > places ? `must have at most ${places} decimal places` : undefined,
  ),
  keyword('numericMaximum', 'string', numberAbove),
]
