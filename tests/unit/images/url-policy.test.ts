import { describe, expect, it } from 'vitest'
import { imageUrlProblem } from '../../../src/images/url-policy.ts'

describe('imageUrlProblem', () => {
  it.each([
    'http://images.example/a.jpg',
    'https://images.example:8443/a%20b.png?x=1#y',
    'http://[::1]:8080/',
    'http://bücher.example/',
  ])('accepts %s', (url) => {
    expect(imageUrlProblem(url)).toBeUndefined()
  })

  it.each([
    ['not a url', /spaces/],
    ['images.example/a.jpg', /not a valid URL/],
    ['http://999.1.1.1/', /not a valid URL/],
    ['ftp://images.example/a.jpg', /http or https/],
    ['file:///etc/passwd', /http or https/],
    ['javascript:alert(1)', /http or https/],
    ['data:image/png;base64,AAAA', /http or https/],
    ['http://user:secret@images.example/a.jpg', /credentials/],
    ['http://user@images.example/a.jpg', /credentials/],
    ['http://images.example/a\u0000.jpg', /control/],
    ['http://images.example/a\n.jpg', /control|spaces/],
    [' http://images.example/a.jpg', /spaces/],
    ['http://images.example/\ud800', /surrogates/],
  ])('refuses %j', (url, problem) => {
    expect(imageUrlProblem(url)).toMatch(problem)
  })
})
