/**
 * Running one step for many items without letting one failure stop the rest.
 *
 * @module
 */

/**
 * Runs `step` for every item even when some throw, then rethrows the first error: a fault while
 * telling one room or member must not stop the state from changing for the others.
 */
export function eachItem<T>(items: Iterable<T>, step: (item: T) => void): void {
  let failure: { error: unknown } | null = null;
  for (const item of items) {
    try {
      step(item);
    } catch (error) {
      failure ??= { error };
    }
  }
  if (failure !== null) throw failure.error;
}
