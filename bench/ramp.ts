/**
 * Finding the highest rate that passes: double until a step fails, then bisect between the last
 * pass and the first failure. Every loop is bounded by the plan.
 *
 * @module
 */

import type { StepResult } from "./chat_step.ts";

/** How a ramp proceeds. */
export interface RampPlan {
  /** The first rate, messages per second. */
  readonly start: number;
  /** No step goes above this rate. */
  readonly max: number;
  /** Steps spent bisecting after the doubling (or halving, when the first step fails). */
  readonly bisections: number;
  /** Most doubling steps. */
  readonly doublings: number;
}

/** Every step measured, and the best passing one (null if none passed). */
export interface RampResult {
  /** The steps in the order they ran. */
  readonly steps: StepResult[];
  /** The highest passing step. */
  readonly best: StepResult | null;
}

/** Runs the ramp of `plan`, measuring each rate with `measure`. */
export async function ramp(
  plan: RampPlan,
  measure: (rate: number) => Promise<StepResult>,
): Promise<RampResult> {
  const steps: StepResult[] = [];
  const run = async (rate: number) => {
    const result = await measure(rate);
    steps.push(result);
    return result;
  };
  let pass: StepResult | null = null;
  let fail: StepResult | null = null;
  for (let i = 0, rate = plan.start; i < plan.doublings && rate <= plan.max; i++, rate *= 2) {
    const result = await run(rate);
    if (!result.passed) {
      fail = result;
      break;
    }
    pass = result;
  }
  // The first rate already failed: look below it instead.
  for (let i = 0; pass === null && fail !== null && i < plan.bisections; i++) {
    const result = await run(Math.max(1, Math.round(fail.rate / 2)));
    if (result.passed) pass = result;
    else fail = result;
  }
  for (let i = 0; pass !== null && fail !== null && i < plan.bisections; i++) {
    const rate = Math.round((pass.rate + fail.rate) / 2);
    if (rate === pass.rate || rate === fail.rate) break;
    const result = await run(rate);
    if (result.passed) pass = result;
    else fail = result;
  }
  return { steps, best: pass };
}
