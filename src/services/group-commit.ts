// Group commit: while one batch of actions is committing, the actions that arrive wait, and
// then commit together in the next transaction. At rest a batch is one action and takes the
// action's own shortest path; under a flood batches grow, so a node takes far more actions
// than it could commit one by one. Nothing is answered before its batch has committed.

/** The largest batch: bounds one transaction's statements and the rows it locks. */
const MAX_BATCH = 500

interface Waiting<R, O> {
  request: R
  resolve(outcome: O): void
  reject(error: unknown): void
}

export class GroupCommit<R, O> {
  private waiting: Array<Waiting<R, O>> = []
  private committing = false

  /**
   * `alone` commits one action; `together` commits a batch in one transaction, answering in
   * the batch's order. A batch that fails is tried again action by action, so that one action
   * that cannot be written (its post deleted meanwhile) fails alone.
   */
  constructor(
    private readonly alone: (request: R) => Promise<O>,
    private readonly together: (requests: readonly R[]) => Promise<O[]>,
  ) {}

  submit(request: R): Promise<O> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ request, resolve, reject })
      if (!this.committing) void this.commitWaiting()
    })
  }

  private async commitWaiting(): Promise<void> {
    this.committing = true
    try {
      while (this.waiting.length > 0) await this.commit(this.waiting.splice(0, MAX_BATCH))
    } finally {
      this.committing = false
    }
  }

  private async commit(batch: Array<Waiting<R, O>>): Promise<void> {
    if (batch.length > 1) {
      try {
        const outcomes = await this.together(batch.map((w) => w.request))
        for (const [i, waiting] of batch.entries()) waiting.resolve(outcomes[i] as O)
        return
      } catch {
        // Tried again one by one below: each action gets its own answer or its own error.
      }
    }
    for (const waiting of batch) {
      await this.alone(waiting.request).then(waiting.resolve, waiting.reject)
    }
  }
}
