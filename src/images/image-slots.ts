import { Semaphore } from 'async-mutex'

/** The worker's IMAGE_CONCURRENCY slots, one core each, shared by all its products. */
export interface ImageSlots {
  /** Runs a task that begins an image (download, decode, main file). */
  start<T>(task: () => Promise<T>): Promise<T>
  /** Runs a task of an image already begun (a variant, the placeholder); these go first. */
  finish<T>(task: () => Promise<T>): Promise<T>
}

/**
 * An image is several tasks, not one: its main file, then each variant and its placeholder in a
 * slot of their own, so a product's last image spreads over the cores instead of keeping one busy
 * while the others wait. Tasks that finish an image go before tasks that begin one, so the images
 * in progress, and the decoded pixels each holds, stay about as many as the slots.
 */
export function imageSlots(concurrency: number): ImageSlots {
  const semaphore = new Semaphore(concurrency)
  return {
    start: (task) => semaphore.runExclusive(task, 1, 0),
    finish: (task) => semaphore.runExclusive(task, 1, 1),
  }
}
