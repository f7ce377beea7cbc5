// Three RabbitMQ nodes of our own on this machine, clustered, for the failover test. The
// machine's node (rabbit@localhost on 5672) is never touched: ours have their own names, ports,
// data directories, config files and Erlang cookie.
import amqp from 'amqplib'
import { execFile, spawn, type ChildProcess, type ExecFileException } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { userInfo } from 'node:os'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { promisify } from 'node:util'
import { freePort } from '../helpers/ports.ts'
import { steps, type Steps } from './steps.ts'

const BIN = '/usr/lib/rabbitmq/bin'
const run = promisify(execFile)

// Waits, generous: on a loaded 2-core machine, booting and joining the three nodes took almost 4 minutes.
/** A node's boot, or its app's restart after a join, until it takes an AMQP connection. */
const BOOT_MS = 300_000
/** One rabbitmqctl call: each starts an Erlang VM of its own. */
const CTL_MS = 120_000
/** After the joins, until the first node reports every node running. */
const CLUSTERED_MS = 120_000

export interface ClusterNode {
  name: string
  url: string
  process: ChildProcess
  /** The node's log file: its last lines go into a failure's message. */
  log: string
}

export interface RabbitCluster {
  nodes: ClusterNode[]
  /** Every node, comma-separated, as AMQP_URL takes them. */
  amqpUrl: string
  /** The node whose replica of the queue leads it now (asked of a running node). */
  leaderOf(queue: string): Promise<{ leader: ClusterNode; members: string[] }>
  /** kill -9 of a node and everything it started: the machine it runs on is gone. */
  kill(node: ClusterNode): Promise<void>
  /** Kills every node left and removes their files; safe to call more than once. */
  stop(): Promise<void>
}

interface Owner {
  uid: number
  gid: number
}

/**
 * Starts `size` nodes, joins the others to the first, and resolves once all run as one cluster;
 * each stage is a step of `recorder` (steps.ts), so a failure says which one and what it saw.
 */
export async function startCluster(size = 3, recorder: Steps = steps()): Promise<RabbitCluster> {
  if (userInfo().uid !== 0) {
    throw new Error('the cluster test starts RabbitMQ nodes as the rabbitmq user, so it must run as root')
  }
  const owner = await rabbitmqUser()
  const base = await mkdtemp('/tmp/rabbit-cluster-')
  const home = path.join(base, 'home') // HOME of our nodes and CLI calls: where Erlang reads the cookie
  await mkdir(home)
  await writeFile(path.join(home, '.erlang.cookie'), randomBytes(20).toString('hex'), { mode: 0o400 })
  // ERL_EPMD_ADDRESS and inet_dist_use_interface: distribution on loopback only, like the machine's node.
  await writeFile(path.join(base, 'rabbitmq-env.conf'), 'ERL_EPMD_ADDRESS=127.0.0.1\n')
  // +sbwt none...: an idle Erlang scheduler sleeps instead of spinning for work. Our three nodes,
  // the machine's and each rabbitmqctl (a VM of its own) share 2 cores; spinning, they starved
  // each other, and one rabbitmqctl call took 25 to 30 s on a loaded machine.
  const erlFlags = '-kernel inet_dist_use_interface {127,0,0,1} +sbwt none +sbwtdcpu none +sbwtdio none'
  const env = {
    ...process.env,
    HOME: home,
    RABBITMQ_CONF_ENV_FILE: path.join(base, 'rabbitmq-env.conf'),
    ERL_FLAGS: erlFlags,
  }
  const prefix = `pipeline-${randomBytes(3).toString('hex')}`

  const nodes: ClusterNode[] = []
  const stopped = new Set<ClusterNode>()
  const killNode = async (node: ClusterNode) => {
    if (stopped.has(node)) return
    stopped.add(node)
    const exited = new Promise((resolve) =>
      node.process.exitCode !== null || node.process.signalCode !== null
        ? resolve(null)
        : node.process.once('exit', resolve),
    )
    try {
      process.kill(-node.process.pid!, 'SIGKILL') // the node's process group: shell, beam.smp and its helpers
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error
    }
    await exited
  }
  const killAll = () => {
    for (const node of nodes) if (!stopped.has(node)) void killNode(node)
  }
  process.once('exit', killAll) // even when the test process ends before afterAll

  /** rabbitmqctl against one of our nodes; a failure says how it ended and what it printed. */
  const ctl = async (node: string, ...args: string[]) => {
    try {
      return (await run(path.join(BIN, 'rabbitmqctl'), ['-n', node, ...args], { env, ...owner, timeout: CTL_MS }))
        .stdout
    } catch (error) {
      const { killed, code, stdout, stderr } = error as ExecFileException & { stdout?: string; stderr?: string }
      const ending = killed ? `was killed after ${CTL_MS / 1000} s` : `exited with ${code}`
      throw new Error(`rabbitmqctl -n ${node} ${args.join(' ')} ${ending}:\n${`${stdout ?? ''}${stderr ?? ''}`.trim()}`)
    }
  }

  try {
    const settings = await Promise.all(
      Array.from({ length: size }, async (_, i) => {
        const dir = path.join(base, `node-${i + 1}`)
        await mkdir(dir)
        const [amqpPort, distPort] = [await freePort(), await freePort()]
        await writeFile(path.join(dir, 'rabbitmq.conf'), `listeners.tcp.default = 127.0.0.1:${amqpPort}\n`)
        await writeFile(path.join(dir, 'enabled_plugins'), '[].\n') // no management plugin: it would want port 15672
        return { name: `${prefix}-${i + 1}@localhost`, dir, amqpPort, distPort }
      }),
    )
    await chownTree(base, owner)
    await recorder.run(`boot ${size} nodes`, async (saw) => {
      for (const { name, dir, amqpPort, distPort } of settings) {
        const child = spawn(path.join(BIN, 'rabbitmq-server'), [], {
          ...owner,
          cwd: dir,
          detached: true, // a process group of its own, to kill the node whole
          stdio: 'ignore',
          env: {
            ...env,
            RABBITMQ_NODENAME: name,
            RABBITMQ_NODE_PORT: String(amqpPort),
            RABBITMQ_DIST_PORT: String(distPort),
            RABBITMQ_CONFIG_FILE: path.join(dir, 'rabbitmq.conf'),
            RABBITMQ_ENABLED_PLUGINS_FILE: path.join(dir, 'enabled_plugins'),
            RABBITMQ_MNESIA_BASE: path.join(dir, 'mnesia'),
            RABBITMQ_LOG_BASE: path.join(dir, 'log'),
          },
        })
        nodes.push({
          name,
          url: `amqp://guest:guest@127.0.0.1:${amqpPort}`,
          process: child,
          log: path.join(dir, 'log', `${name}.log`),
        })
      }
      // What each node answered last, all of them in one line.
      const states = new Map(nodes.map((node) => [node.name, 'starting']))
      const sawNode = (node: ClusterNode) => (state: string) => {
        states.set(node.name, state)
        saw([...states].map(([name, last]) => `${name}: ${last}`).join('; '))
      }
      await Promise.all(
        nodes.map(async (node) => {
          await acceptsAmqp(node, sawNode(node))
          sawNode(node)('accepts AMQP')
        }),
      )
    })
    const [first, ...others] = nodes
    // One at a time: joins change the cluster's schema, which is not meant to be done concurrently.
    for (const node of others) {
      await recorder.run(`join ${node.name} to ${first!.name}`, async (saw) => {
        for (const command of [['stop_app'], ['join_cluster', first!.name], ['start_app']]) {
          saw(`rabbitmqctl ${command.join(' ')}`)
          await ctl(node.name, ...command)
        }
        await acceptsAmqp(node, saw)
      })
    }
    await recorder.run(`${size} nodes running as one cluster`, async (saw) => {
      const deadline = performance.now() + CLUSTERED_MS
      for (;;) {
        const { running_nodes: running } = JSON.parse(
          await ctl(first!.name, 'cluster_status', '--formatter', 'json'),
        ) as { running_nodes: string[] }
        saw(`running_nodes: ${running.join(', ')}`)
        if (running.length === size) return
        if (performance.now() > deadline) {
          throw new Error(`${running.length} of ${size} nodes running after ${CLUSTERED_MS / 1000} s`)
        }
        await sleep(1000)
      }
    })
  } catch (error) {
    await Promise.all(nodes.map(killNode))
    await rm(base, { recursive: true, force: true })
    throw error
  }

  return {
    nodes,
    amqpUrl: nodes.map((node) => node.url).join(','),
    async leaderOf(queue) {
      const asked = nodes.find((node) => !stopped.has(node))!
      const rows = JSON.parse(
        await ctl(asked.name, 'list_queues', 'name', 'leader', 'members', '--formatter', 'json'),
      ) as { name: string; leader: string; members: string[] }[]
      const row = rows.find((r) => r.name === queue)
      if (!row) throw new Error(`no queue ${queue} on the cluster`)
      return { leader: nodes.find((node) => node.name === row.leader)!, members: row.members }
    },
    kill: killNode,
    async stop() {
      process.off('exit', killAll)
      await Promise.all(nodes.map(killNode))
      await rm(base, { recursive: true, force: true })
    },
  }
}

async function rabbitmqUser(): Promise<Owner> {
  const { stdout } = await run('id', ['rabbitmq']).catch(() => {
    throw new Error(
      'no rabbitmq user: the cluster test needs rabbitmq-server installed (apt-get install rabbitmq-server)',
    )
  })
  const [, uid, gid] = /uid=(\d+).*gid=(\d+)/.exec(stdout)!
  return { uid: Number(uid), gid: Number(gid) }
}

/** The nodes run as the rabbitmq user: their files must be its own. */
async function chownTree(dir: string, { uid, gid }: Owner): Promise<void> {
  await run('chown', ['-R', `${uid}:${gid}`, dir])
}

/** Resolves once the node has booted far enough to take an AMQP connection; `saw` gets each refusal. */
async function acceptsAmqp(node: ClusterNode, saw: (state: string) => void, timeoutMs = BOOT_MS): Promise<void> {
  const deadline = performance.now() + timeoutMs
  for (;;) {
    if (node.process.exitCode !== null) {
      throw new Error(
        `RabbitMQ node ${node.name} exited with ${node.process.exitCode} while starting\n${await logTail(node)}`,
      )
    }
    // A bounded attempt: a node still booting may accept the TCP connection and not answer on it.
    const connection = await amqp.connect(node.url, { timeout: 10_000 }).catch((error: Error) => saw(error.message))
    if (connection) {
      await connection.close()
      return
    }
    if (performance.now() > deadline) {
      throw new Error(
        `RabbitMQ node ${node.name} did not accept connections within ${timeoutMs / 1000} s\n${await logTail(node)}`,
      )
    }
    await sleep(250)
  }
}

/** The last lines of a node's log: why it did not start, when it did not. */
async function logTail(node: ClusterNode, lines = 20): Promise<string> {
  const text = await readFile(node.log, 'utf8').catch((error: Error) => `(no log: ${error.message})`)
  return `--- last lines of ${node.log}\n${text.trimEnd().split('\n').slice(-lines).join('\n')}`
}
