// The names of the jobs and what each carries. Services write these into the outbox; the
// runners look the handlers up in definitions.ts.
import type { MailJob } from '../services/mail-delivery.js'

export interface JobPayloads {
  'after-like': { userId: number; postId: number }
  'after-save': { userId: number; postId: number; savedId: number }
  'after-comment': { commentId: number }
  'after-follow': { userId: number; shakeId: number }
  'fan-out-post': { postId: number }
  'make-video': { sourcefileId: number }
  'make-renditions': { sourcefileId: number }
  'backfill-renditions': Record<string, never>
  'remove-files': { sha1: string; keys: string[] }
  'send-mail': MailJob
  'delete-account': { userId: number; reason: string; requestedBy: number }
  'build-export': { exportId: number }
  recount: { postIds?: number[] }
  sweep: Record<string, never>
}

export type JobName = keyof JobPayloads

export const queueNames = ['social', 'media', 'mail', 'maintenance'] as const
export type QueueName = (typeof queueNames)[number]

/** Queues group jobs by how urgent and how heavy they are. */
export const queueOf: Record<JobName, QueueName> = {
  'after-like': 'social',
  'after-save': 'social',
  'after-comment': 'social',
  'after-follow': 'social',
  'fan-out-post': 'social',
  // Slow, CPU-heavy work on its own queue, so it never holds up likes and comments.
  'make-video': 'media',
  // AVIF takes every core: one image at a time, beside the videos. The backfill too, so that
  // its runs never overlap and it never takes more than the media worker's one slot.
  'make-renditions': 'media',
  'backfill-renditions': 'media',
  'remove-files': 'maintenance',
  // Mail has a queue of its own: a backlog there shows apart from the social work.
  'send-mail': 'mail',
  'delete-account': 'maintenance',
  'build-export': 'maintenance',
  recount: 'maintenance',
  sweep: 'maintenance',
}

/** Something to tell when new outbox rows are committed, so they go out without waiting. */
export interface WorkSignal {
  kick(): void
}
