// Three RabbitMQ nodes of our own on this machine, clustered, for the failover test. The
// machine's node (rabbit@localhost on 5672) is never touched: ours have their own names, ports,
// data directories, config files and Erlang cookie.
import amqp from 'amqplib'
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { userInfo } from 'node:os'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { promisify } from 'node:util'
import { freePort } from '../helpers/ports.ts'

const BIN = '/usr/lib/rabbitmq/bin'
const run = promisify(execFile)

export interface ClusterNode {
  name: string
  url: string
  process: ChildProcess
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

/** Starts `size` nodes, joins the others to the first, and resolves once all run as one cluster. */
export async function startCluster(size = 3): Promise<RabbitCluster> {
  if (userInfo().uid !== 0) throw new Error('the cluster test starts RabbitMQ nodes as the rabbitmq user, so it must run as root')
  const owner = await rabbitmqUser()
  const base = await mkdtemp('/tmp/rabbit-cluster-')
  const home = path.join(base, 'home') // HOME of our nodes and CLI calls: where Erlang reads the cookie
  await mkdir(home)
  await writeFile(path.join(home, '.erlang.cookie'), randomBytes(20).toString('hex'), { mode: 0o400 })
  // ERL_EPMD_ADDRESS and inet_dist_use_interface: distribution on loopback only, like the machine's node.
  await writeFile(path.join(base, 'rabbitmq-env.conf'), 'ERL_EPMD_ADDRESS=127.0.0.1\n')
  const env = { ...process.env, HOME: home, RABBITMQ_CONF_ENV_FILE: path.join(base, 'rabbitmq-env.conf'), ERL_FLAGS: '-kernel inet_dist_use_interface {127,0,0,1}' }
  const prefix = `pipeline-${randomBytes(3).toString('hex')}`

  const nodes: ClusterNode[] = []
  const stopped = new Set<ClusterNode>()
  const killNode = async (node: ClusterNode) => {
    if (stopped.has(node)) return
    stopped.add(node)
    const exited = new Promise((resolve) => (node.process.exitCode !== null || node.process.signalCode !== null ? resolve(null) : node.process.once('exit', resolve)))
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

  const ctl = async (node: string, ...args: string[]) =>
    (await run(path.join(BIN, 'rabbitmqctl'), ['-n', node, ...args], { env, ...owner, timeout: 60_000 })).stdout

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
      nodes.push({ name, url: `amqp://guest:guest@127.0.0.1:${amqpPort}`, process: child })
    }
    await Promise.all(nodes.map((node) => acceptsAmqp(node)))
    const [first, ...others] = nodes
    // One at a time: joins change the cluster's schema, which is not meant to be done concurrently.
    for (const node of others) {
      await ctl(node.name, 'stop_app')
      await ctl(node.name, 'join_cluster', first!.name)
      await ctl(node.name, 'start_app')
      await acceptsAmqp(node)
    }
    const status = JSON.parse(await ctl(first!.name, 'cluster_status', '--formatter', 'json')) as { running_nodes: string[] }
    if (status.running_nodes.length !== size) throw new Error(`cluster formed with ${status.running_nodes.join(', ')} only`)
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
      const rows = JSON.parse(await ctl(asked.name, 'list_queues', 'name', 'leader', 'members', '--formatter', 'json')) as { name: string; leader: string; members: string[] }[]
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
    throw new Error('no rabbitmq user: the cluster test needs rabbitmq-server installed (apt-get install rabbitmq-server)')
  })
  const [, uid, gid] = /uid=(\d+).*gid=(\d+)/.exec(stdout)!
  return { uid: Number(uid), gid: Number(gid) }
}

/** The nodes run as the rabbitmq user: their files must be its own. */
async function chownTree(dir: string, { uid, gid }: Owner): Promise<void> {
  await run('chown', ['-R', `${uid}:${gid}`, dir])
}

/** Resolves once the node has booted far enough to take an AMQP connection. */
async function acceptsAmqp(node: ClusterNode, timeoutMs = 120_000): Promise<void> {
  const deadline = performance.now() + timeoutMs
  for (;;) {
    if (node.process.exitCode !== null) throw new Error(`RabbitMQ node ${node.name} exited with ${node.process.exitCode} while starting`)
    const connection = await amqp.connect(node.url).catch(() => undefined)
    if (connection) return void (await connection.close())
    if (performance.now() > deadline) throw new Error(`RabbitMQ node ${node.name} did not accept connections within ${timeoutMs} ms`)
    await sleep(250)
  }
}
