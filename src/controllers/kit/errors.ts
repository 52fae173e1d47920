import { isConflict, isNotFound } from "../../api/errors.js";

/** An error's message, for events, conditions and logs. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * For writes whose target may already be gone (404) or may have moved on (409): the informer will bring
 * the new state and the key is synced again, so these are not failures. Anything else is rethrown.
 */
export function ignoreGone(err: unknown): void {
  if (!isNotFound(err) && !isConflict(err)) throw err;
}
