/**
 * Scenarios (a), (b) and (c): chat load on one big room, then on many small rooms.
 *
 * @module
 */

import {
  type MeasuredServer,
  measureStep,
  type StepContext,
  type StepResult,
} from "./chat_step.ts";
import { ClientPool } from "./client_pool.ts";
import type { BenchSizes } from "./options.ts";
import { ramp, type RampPlan } from "./ramp.ts";
import { closeRooms, fillRooms, type RoomLayout } from "./rooms.ts";
import { BENCH_HOST, type ServerProcess } from "./server_process.ts";
import type { ResultRow } from "./table.ts";
import type { JoinSecurity } from "./tcrp_client.ts";

/** Join notices and room closings are over once nothing arrived for this long. */
const SETTLE_QUIET_MS = 300;

/** What a scenario needs and where its rows go. */
export interface ScenarioContext {
  /** The server under test. */
  readonly server: ServerProcess;
  /** The sizes to run. */
  readonly sizes: BenchSizes;
  /** Worker threads for the members. */
  readonly workers: number;
  /** Adds a row to the table (and shows progress). */
  readonly addRow: (row: ResultRow) => void;
  /**
   * How chat members enter: null, standard clients over plain TCRP; otherwise kaiwa clients with
   * sessions over TLS (`--encrypted`).
   */
  readonly security: JoinSecurity | null;
}

/** Where the members of a fill go when it is not `ctx.server`: the nodes of a cluster. */
export interface Placement {
  /** The nodes together, for CPU and drops. */
  readonly server: MeasuredServer;
  /** The TCP and UDP port of member `m`'s node. */
  readonly portOf: (member: number) => number;
}

/**
 * Fills the rooms of `layout` with a fresh pool (on `ctx.server`, or spread over the nodes of
 * `placement`), runs `body` with it, then closes the rooms and the pool whatever happened.
 */
export async function withRooms(
  ctx: ScenarioContext,
  layout: RoomLayout,
  body: (step: StepContext, joinsPerSecond: number) => Promise<void>,
  placement?: Placement,
): Promise<void> {
  const { sizes } = ctx;
  const server = placement?.server ?? ctx.server;
  const portOf = placement?.portOf ?? (() => ctx.server.port);
  const pool = await ClientPool.open(
    layout.rooms * layout.roomSize,
    ctx.workers,
    BENCH_HOST,
    portOf,
  );
  try {
    const fill = await fillRooms(BENCH_HOST, server.port, layout, pool, ctx.security, portOf);
    // Join notices are not chat: let them pass before measuring.
    await pool.waitQuiet(SETTLE_QUIET_MS, sizes.drainMs);
    await body({
      server,
      pool,
      // A kaiwa sender is sent its own message back; a standard client is not.
      recipients: layout.roomSize - 1 + (ctx.security === null ? 0 : 1),
      durationMs: sizes.stepMs,
      drainMs: sizes.drainMs,
    }, fill.joinsPerSecond);
    await closeRooms(pool, layout);
    await pool.waitQuiet(SETTLE_QUIET_MS, sizes.drainMs);
  } finally {
    await pool.close();
  }
}

/** The latency target for (b) and (c): p99 under 100 ms. */
const P99_TARGET_MS = 100;

/**
 * Runs a ramp and adds a row per step, then a "best" row (the highest rate under 0.1% loss)
 * and, when that one misses the p99 target, the highest passing rate that meets it.
 */
async function rampRows(
  ctx: ScenarioContext,
  letter: string,
  plan: RampPlan,
  measure: (label: string, rate: number) => Promise<StepResult>,
): Promise<void> {
  const { steps, best } = await ramp(plan, async (rate) => {
    const result = await measure(`${letter} ${rate} msg/s`, rate);
    ctx.addRow(result.row);
    return result;
  });
  const tried = `of ${plan.start}-${plan.max} msg/s tried`;
  if (best === null) {
    ctx.addRow({ scenario: `${letter} best`, note: `no rate passed (${tried})` });
    return;
  }
  ctx.addRow({
    ...best.row,
    scenario: `${letter} best`,
    note: `highest rate with loss under 0.1% (${tried})`,
  });
  if ((best.row.latency?.p99 ?? 0) < P99_TARGET_MS) return;
  const fast = steps
    .filter((step) => step.passed && (step.row.latency?.p99 ?? Infinity) < P99_TARGET_MS)
    .sort((x, y) => y.rate - x.rate)[0];
  ctx.addRow(
    fast === undefined
      ? {
        scenario: `${letter} best p99`,
        note: `no passing rate had p99 under ${P99_TARGET_MS} ms`,
      }
      : {
        ...fast.row,
        scenario: `${letter} best p99`,
        note: `highest rate with loss under 0.1% and p99 under ${P99_TARGET_MS} ms`,
      },
  );
}

/**
 * (a) one room of `bigRoom` members, 10 messages per second among them; (b) the same room with
 * the rate ramped up. Runs whichever of the two is asked for, sharing the room.
 */
export async function runBigRoom(ctx: ScenarioContext, a: boolean, b: boolean): Promise<void> {
  const { sizes } = ctx;
  const layout: RoomLayout = { prefix: "big", rooms: 1, roomSize: sizes.bigRoom };
  await withRooms(ctx, layout, async (step, joinsPerSecond) => {
    if (a) {
      const result = await measureStep(step, `a 1 room x ${sizes.bigRoom}`, sizes.aRate);
      ctx.addRow({ ...result.row, joinsPerSecond });
    }
    if (b) {
      await rampRows(ctx, "b", sizes.bRamp, (label, rate) => measureStep(step, label, rate));
    }
  });
}

/** (c) `smallRooms` rooms of `smallRoomSize` members, every member sending, rate ramped up. */
export async function runSmallRooms(ctx: ScenarioContext): Promise<void> {
  const { sizes } = ctx;
  const layout: RoomLayout = {
    prefix: "small",
    rooms: sizes.smallRooms,
    roomSize: sizes.smallRoomSize,
  };
  await withRooms(ctx, layout, async (step) => {
    await rampRows(ctx, "c", sizes.cRamp, (label, rate) => measureStep(step, label, rate));
  });
}
