// CPU time of a process by thread, from /proc, as the kernel counts it: the main JavaScript thread,
// libuv's pool, V8's helpers and libvips' workers apart, whatever the process does in-process.
import { readdirSync, readFileSync } from 'node:fs'

const TICK_MS = 10 // USER_HZ is 100 on Linux

/** CPU ms by thread name (threads of one name added up), since the process started. */
export function threadCpu(pid: number): Record<string, number> {
  const byName: Record<string, number> = {}
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let stat: string
    try {
      stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8')
    } catch {
      continue // the thread ended meanwhile
    }
    // "tid (comm) state ..." where comm may hold spaces and parentheses: split at the last ')'.
    const name = threadGroup(stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), tid === String(pid))
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    byName[name] = (byName[name] ?? 0) + (Number(fields[11]) + Number(fields[12])) * TICK_MS
  }
  return byName
}

/**
 * Threads grouped: the main thread; libvips' workers; and Node's other threads, which Node 20 and 24
 * all name "node" (libuv's pool, where sharp's calls run and drive libvips, and V8's GC and compiler).
 */
export function threadGroup(comm: string, isMain: boolean): string {
  if (isMain) return 'main thread'
  if (comm === 'node') return 'libuv pool and V8 threads'
  if (comm.startsWith('libvips')) return 'libvips workers'
  return comm
}

/** What each thread group spent between two readings. */
export function cpuSince(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(after).map(([name, ms]) => [name, ms - (before[name] ?? 0)]))
}

export const totalMs = (byName: Record<string, number>): number => Object.values(byName).reduce((a, b) => a + b, 0)
