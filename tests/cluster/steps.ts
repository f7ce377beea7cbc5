// The cluster test's steps, timed. On a busy machine its waits are long and a failure has to say
// where it stood: each step logs how long it took, and a step that fails, or that a hook or test
// timeout cuts short, is named with how long it ran and the last state it saw.

export interface Steps {
  /** Runs a step; `saw` records the last state it observed (a count, a command's output...). */
  run<T>(name: string, action: (saw: (state: string) => void) => Promise<T>): Promise<T>
  /** The steps still running, each with its time and last state: for a timeout around them. */
  unfinished(): string[]
}

interface Step {
  name: string
  started: number
  seen: string
}

const seconds = (since: number) => `${((performance.now() - since) / 1000).toFixed(1)} s`
const describe = ({ name, started, seen }: Step) =>
  `step "${name}" after ${seconds(started)}; last seen: ${seen || 'nothing yet'}`

export function steps(): Steps {
  const running = new Set<Step>()
  return {
    async run(name, action) {
      const step: Step = { name, started: performance.now(), seen: '' }
      running.add(step)
      try {
        const result = await action((state) => (step.seen = state))
        console.log(`[cluster] ${name}: ${seconds(step.started)}`)
        return result
      } catch (error) {
        throw new Error(
          `[cluster] failed in ${describe(step)}\n${error instanceof Error ? error.message : String(error)}`,
          { cause: error },
        )
      } finally {
        running.delete(step)
      }
    },
    unfinished: () => [...running].map((step) => `[cluster] unfinished ${describe(step)}`),
  }
}
