import { describe, expect, it } from 'vitest'
import { addressRange, parseAddressPolicy, refusal } from '../../../src/images/address-policy.ts'

// The host as the downloader sees it: WHATWG URL normalises every IPv4 spelling to a dotted quad.
const hostOf = (url: string) => new URL(url).hostname.replace(/^\[(.*)\]$/, '$1')
const blockAll = parseAddressPolicy('false')

describe('URL hosts in tricky spellings reach the classifier normalised', () => {
  it.each([
    ['http://127.1/', '127.0.0.1'],
    ['http://0x7f000001/', '127.0.0.1'],
    ['http://0x7f.0.0.1/', '127.0.0.1'],
    ['http://2130706433/', '127.0.0.1'],
    ['http://0177.0.0.1/', '127.0.0.1'],
    ['http://017700000001/', '127.0.0.1'],
    ['http://127.0.0.1./', '127.0.0.1'],
    ['http://0/', '0.0.0.0'],
    ['http://0x0/', '0.0.0.0'],
    ['http://[::ffff:127.0.0.1]/', '::ffff:7f00:1'],
    ['http://[0:0:0:0:0:ffff:7f00:1]/', '::ffff:7f00:1'],
    ['http://[::]/', '::'],
    ['http://0xa9fea9fe/', '169.254.169.254'],
    ['http://2852039166/', '169.254.169.254'],
    ['http://%31%32%37.0.0.1/', '127.0.0.1'],
  ])('%s → %s', (url, host) => {
    expect(hostOf(url)).toBe(host)
    expect(addressRange(host)).not.toBe('public')
  })
})

describe('addressRange', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['::ffff:10.0.0.1', 'private'],
    ['169.254.1.1', 'linkLocal'],
    ['fe80::1', 'linkLocal'],
    ['fd00::1', 'uniqueLocal'],
    ['fc00::1', 'uniqueLocal'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['192.0.2.1', 'reserved'],
    ['240.0.0.1', 'reserved'],
    // Cloud metadata services: AWS, GCP, Azure (169.254.169.254), ECS, AWS IPv6, Alibaba, Oracle.
    ['169.254.169.254', 'metadata'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['169.254.170.2', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
    ['100.100.100.200', 'metadata'],
    ['192.0.0.192', 'metadata'],
    // IPv4-compatible (deprecated) and other IPv6 outside 2000::/3.
    ['::7f00:1', 'reserved'],
    ['::a00:1', 'reserved'],
    // NAT64 reaches the embedded IPv4 address.
    ['64:ff9b::7f00:1', 'loopback'],
    ['64:ff9b::a9fe:a9fe', 'metadata'],
    ['64:ff9b::808:808', 'public'],
    ['2002:7f00:1::', '6to4'],
    ['2001::1', 'teredo'],
    ['8.8.8.8', 'public'],
    ['93.184.216.34', 'public'],
    ['2606:4700:4700::1111', 'public'],
    ['::ffff:8.8.8.8', 'public'],
  ])('%s is %s', (address, range) => {
    expect(addressRange(address)).toBe(range)
  })
})

describe('refusal', () => {
  it('allows public addresses and names the range of the others', () => {
    expect(refusal(blockAll, '8.8.8.8', 80)).toBeUndefined()
    expect(refusal(blockAll, '127.0.0.1', 80)).toBe('loopback')
    expect(refusal(blockAll, 'fe80::1', 443)).toBe('link-local')
    expect(refusal(blockAll, 'fd00::1', 443)).toBe('unique-local')
    expect(refusal(blockAll, '169.254.169.254', 80)).toBe('cloud metadata')
  })

  it('true lifts the block for everything but cloud metadata', () => {
    const allowAll = parseAddressPolicy('true')
    expect(refusal(allowAll, '127.0.0.1', 8080)).toBeUndefined()
    expect(refusal(allowAll, '10.0.0.1', 80)).toBeUndefined()
    expect(refusal(allowAll, '0.0.0.0', 80)).toBeUndefined()
    expect(refusal(allowAll, '169.254.169.254', 80)).toBe('cloud metadata')
    expect(refusal(allowAll, '::ffff:169.254.169.254', 80)).toBe('cloud metadata')
  })

  it('an allow-list lifts it for exactly those addresses and ports', () => {
    const policy = parseAddressPolicy('127.0.0.1:8080, [::1]:9090')
    expect(refusal(policy, '127.0.0.1', 8080)).toBeUndefined()
    expect(refusal(policy, '::ffff:127.0.0.1', 8080)).toBeUndefined()
    expect(refusal(policy, '::1', 9090)).toBeUndefined()
    expect(refusal(policy, '0:0:0:0:0:0:0:1', 9090)).toBeUndefined()
    expect(refusal(policy, '127.0.0.1', 8081)).toBe('loopback')
    expect(refusal(policy, '127.0.0.2', 8080)).toBe('loopback')
    expect(refusal(policy, '::1', 8080)).toBe('loopback')
    expect(refusal(policy, '0.0.0.0', 8080)).toBe('unspecified')
  })

  it('an allow-list cannot open cloud metadata', () => {
    expect(refusal(parseAddressPolicy('169.254.169.254:80'), '169.254.169.254', 80)).toBe('cloud metadata')
  })
})

describe('parseAddressPolicy', () => {
  it('reads true, false and lists', () => {
    expect(parseAddressPolicy('false')).toEqual({ allowPrivate: false, allowedEndpoints: new Set() })
    expect(parseAddressPolicy('true')).toEqual({ allowPrivate: true, allowedEndpoints: new Set() })
    expect(parseAddressPolicy('127.0.0.1:80,[::1]:443').allowedEndpoints).toEqual(new Set(['127.0.0.1:80', '::1:443']))
  })

  it.each([
    'yes',
    'localhost:80',
    '127.0.0.1',
    '127.0.0.1:0',
    '127.0.0.1:70000',
    '::1:80',
    '[::1]',
    '999.0.0.1:80',
    '127.1:80',
  ])('refuses %j', (setting) => {
    expect(() => parseAddressPolicy(setting)).toThrow(/address:port/)
  })
})
