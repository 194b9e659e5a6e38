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
import type { Contender } from "./contenders.ts";
import type { Figures } from "./figures.ts";
import type { BenchSizes } from "./options.ts";
import { ramp, type RampPlan } from "./ramp.ts";
import { fillRooms, type RoomLayout } from "./rooms.ts";
import { BENCH_HOST, type ServerProcess } from "./server_process.ts";
import type { ResultRow } from "./table.ts";
import type { JoinSecurity } from "./tcrp_client.ts";

/** Join notices are over once nothing arrived for this long. */
const SETTLE_QUIET_MS = 300;

/** What a scenario needs and where its rows and figures go. */
export interface ScenarioContext {
  /** The server under test: each scenario starts a fresh process of it. */
  readonly contender: Contender;
  /** The sizes to run. */
  readonly sizes: BenchSizes;
  /** Worker threads for the members. */
  readonly workers: number;
  /** Adds a row to the table (and shows progress). */
  readonly addRow: (row: ResultRow) => void;
  /** The figures the targets are judged on, filled in as the scenarios measure them. */
  readonly figures: Figures;
  /**
   * With `--encrypted`, chat members are kaiwa clients with sessions over TLS (pinning the
   * fingerprint the server printed); otherwise standard clients over plain TCRP.
   */
  readonly encrypted: boolean;
}

/**
 * Runs `body` on a fresh process of the contender, stopping it whatever happens; `notices` asks
 * a reference relay to announce arrivals.
 */
export async function withServer<T>(
  ctx: ScenarioContext,
  notices: boolean,
  body: (server: ServerProcess) => Promise<T>,
): Promise<T> {
  const server = await ctx.contender.start(notices);
  try {
    return await body(server);
  } catch (error) {
    if (server.log.length > 0) {
      console.error(`${ctx.contender.name} said:\n${server.log.join("\n")}`);
    }
    throw error;
  } finally {
    await server.stop();
  }
}

/**
 * With `--encrypted`, members enter over TLS, pinning the fingerprint the server printed, exactly
 * as `kaiwa join --fingerprint` does; null otherwise.
 */
function securityOf(ctx: ScenarioContext, server: ServerProcess): JoinSecurity | null {
  if (!ctx.encrypted) return null;
  const fingerprint = server.fingerprint;
  if (fingerprint === null) throw new Error("The server printed no TLS fingerprint");
  return { trust: { fingerprint, knownServers: null } };
}

/**
 * Starts a fresh server, fills the rooms of `layout` with a fresh pool and runs `body` with
 * them; then closes the pool and stops the server whatever happened. The rooms are never left:
 * the reference relays have no leaving, and the server ends with the scenario.
 */
export async function withRooms(
  ctx: ScenarioContext,
  layout: RoomLayout,
  body: (step: StepContext, joinsPerSecond: number) => Promise<void>,
): Promise<void> {
  await withServer(ctx, false, async (server) => {
    const placement = { server, portOf: () => server.port };
    await inRooms(ctx, layout, placement, securityOf(ctx, server), body);
  });
}

/** Where the members of a fill go: one server, or the nodes of a cluster. */
export interface Placement {
  /** The server or the nodes together, for CPU and drops. */
  readonly server: MeasuredServer;
  /** The TCP and UDP port of member `m`'s server (its node of a cluster). */
  readonly portOf: (member: number) => number;
}

/**
 * Fills the rooms of `layout` with a fresh pool, each member on its server of `placement`, and
 * runs `body` with them; then closes the pool whatever happened.
 */
export async function inRooms(
  ctx: ScenarioContext,
  layout: RoomLayout,
  placement: Placement,
  security: JoinSecurity | null,
  body: (step: StepContext, joinsPerSecond: number) => Promise<void>,
): Promise<void> {
  const { sizes } = ctx;
  const { server, portOf } = placement;
  const pool = await ClientPool.open(
    layout.rooms * layout.roomSize,
    ctx.workers,
    BENCH_HOST,
    portOf,
  );
  try {
    const fill = await fillRooms(BENCH_HOST, server.port, layout, pool, security, portOf);
    // Join notices are not chat: let them pass before measuring.
    await pool.waitQuiet(SETTLE_QUIET_MS, sizes.drainMs);
    await body({
      server,
      pool,
      // A kaiwa sender is sent its own message back; a standard client is not.
      recipients: layout.roomSize - 1 + (security === null ? 0 : 1),
      durationMs: sizes.stepMs,
      drainMs: sizes.drainMs,
    }, fill.joinsPerSecond);
  } finally {
    await pool.close();
  }
}

/** The latency target for (b) and (c): p99 under 100 ms. */
const P99_TARGET_MS = 100;

/** The best passing step of a ramp, and whether the generator ended the ramp. */
interface RampOutcome {
  readonly best: StepResult | null;
  /** The failed step that ended the ramp was generator-limited. */
  readonly generatorLimited: boolean;
}

/**
 * Runs a ramp and adds a row per step, then a "best" row (the highest rate under 0.1% loss)
 * and, when that one misses the p99 target, the highest passing rate that meets it. When the
 * step that failed just above the best was generator-limited, the best row says so: the server
 * may go faster than the ramp could show.
 */
async function rampRows(
  ctx: ScenarioContext,
  letter: string,
  plan: RampPlan,
  measure: (label: string, rate: number) => Promise<StepResult>,
): Promise<RampOutcome> {
  const { steps, best } = await ramp(plan, async (rate) => {
    const result = await measure(`${letter} ${rate} msg/s`, rate);
    ctx.addRow(result.row);
    return result;
  });
  const tried = `of ${plan.start}-${plan.max} msg/s tried`;
  const floor = best?.rate ?? 0;
  const stopper = steps
    .filter((step) => !step.passed && step.rate > floor)
    .sort((x, y) => x.rate - y.rate)[0];
  const generatorLimited = stopper?.generatorLimited ?? false;
  const limitedBy = generatorLimited
    ? `; the generator, not the server, failed at ${stopper.rate} msg/s ` +
      `(a worker ${Math.round(stopper.row.generatorBusy ?? 0)}% busy)`
    : "";
  if (best === null) {
    ctx.addRow({ scenario: `${letter} best`, note: `no rate passed (${tried})${limitedBy}` });
    return { best, generatorLimited };
  }
  ctx.addRow({
    ...best.row,
    scenario: `${letter} best`,
    note: `highest rate with loss under 0.1% (${tried})${limitedBy}`,
  });
  if ((best.row.latency?.p99 ?? 0) < P99_TARGET_MS) return { best, generatorLimited };
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
  return { best, generatorLimited };
}

/**
 * (a) one room of `bigRoom` members, 10 messages per second among them; (b) the same room with
 * the rate ramped up. Runs whichever of the two is asked for, sharing the room, then reads the
 * server's memory with the room still full.
 */
export async function runBigRoom(ctx: ScenarioContext, a: boolean, b: boolean): Promise<void> {
  const { sizes, figures } = ctx;
  const layout: RoomLayout = { prefix: "big", rooms: 1, roomSize: sizes.bigRoom };
  await withRooms(ctx, layout, async (step, joinsPerSecond) => {
    if (a) {
      const result = await measureStep(step, `a 1 room x ${sizes.bigRoom}`, sizes.aRate);
      ctx.addRow({ ...result.row, joinsPerSecond });
      figures.aP99Ms = result.row.latency?.p99 ?? null;
    }
    if (b) {
      const { best, generatorLimited } = await rampRows(
        ctx,
        "b",
        sizes.bRamp,
        (label, rate) => measureStep(step, label, rate),
      );
      figures.bDeliveries = best?.row.deliveries ?? null;
      figures.bP99Ms = best?.row.latency?.p99 ?? null;
      figures.bGeneratorLimited = generatorLimited;
    }
    const rss = await step.server.residentBytes();
    figures.rssEndBytes = rss;
    ctx.addRow({
      scenario: `${a ? "a" : ""}${b ? "b" : ""} end`,
      serverRss: rss,
      note: `server memory after the scenario, its ${sizes.bigRoom} members still in the room`,
    });
  });
}

/** (c) `smallRooms` rooms of `smallRoomSize` members, every member sending, rate ramped up. */
export async function runSmallRooms(ctx: ScenarioContext): Promise<void> {
  const { sizes, figures } = ctx;
  const layout: RoomLayout = {
    prefix: "small",
    rooms: sizes.smallRooms,
    roomSize: sizes.smallRoomSize,
  };
  await withRooms(ctx, layout, async (step) => {
    const { best, generatorLimited } = await rampRows(
      ctx,
      "c",
      sizes.cRamp,
      (label, rate) => measureStep(step, label, rate),
    );
    figures.cMessagesIn = best?.row.messagesIn ?? null;
    figures.cGeneratorLimited = generatorLimited;
  });
}
