// The names of the jobs and what each carries. Services write these into the outbox; the
// runners look the handlers up in definitions.ts.

export interface JobPayloads {
  'after-like': { userId: number; postId: number }
  'after-save': { userId: number; postId: number; savedId: number }
  'after-comment': { commentId: number }
  'after-follow': { userId: number; shakeId: number }
  'fan-out-post': { postId: number }
  'delete-account': { userId: number; reason: string; requestedBy: number }
  'build-export': { exportId: number }
  recount: { postIds?: number[] }
  sweep: Record<string, never>
}

export type JobName = keyof JobPayloads

/** Queues group jobs by how urgent and how heavy they are. */
export const queueOf: Record<JobName, 'social' | 'maintenance'> = {
  'after-like': 'social',
  'after-save': 'social',
  'after-comment': 'social',
  'after-follow': 'social',
  'fan-out-post': 'social',
  'delete-account': 'maintenance',
  'build-export': 'maintenance',
  recount: 'maintenance',
  sweep: 'maintenance',
}

/** Something to tell when new outbox rows are committed, so they go out without waiting. */
export interface WorkSignal {
  kick(): void
}
