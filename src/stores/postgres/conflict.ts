/**
 * Running a statement again after it lost to a concurrent commit
 * (SQLSTATE 40001, a serialization failure at REPEATABLE READ): how often,
 * and how long to pause between tries.
 */

/** How many times one batch of destroyForUser runs when concurrent commits keep failing it (40001), before the conflict is reported. */
export const USER_BATCH_ATTEMPTS = 20;

/** The most one pause lasts, in ms: the pauses of all 20 tries add up to at most 0.33 s. */
const MAX_PAUSE_MS = 20;

/**
 * Whether a statement failed only because a concurrent transaction committed
 * a change to a row it read (SQLSTATE 40001): nothing of it was applied, and
 * running it again on a fresh snapshot may succeed.
 *
 * @example
 * if (isSerializationFailure(err)) retry();
 */
export function isSerializationFailure(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === "40001";
}

/**
 * The pause, in ms, after try number `attempt` (1, 2, …) lost to a
 * concurrent commit: random up to a cap that doubles from 2 ms to
 * {@link MAX_PAUSE_MS}. The transaction that won gets time to finish its
 * work on the user's rows, and callers that collided once do not collide
 * again in step (the full jitter of exponential backoff).
 *
 * @example
 * await new Promise((resolve) => setTimeout(resolve, conflictPauseMs(attempt)));
 */
export function conflictPauseMs(attempt: number, random: () => number = Math.random): number {
  return random() * Math.min(MAX_PAUSE_MS, 2 ** attempt);
}
