/**
 * One measurement step of chat load: send at a paced rate for a while, wait for the last
 * deliveries, and compare what arrived with what was expected.
 *
 * @module
 */

import type { ClientPool } from "./client_pool.ts";
import { cpuPercent, ownCpuSeconds, udpDrops } from "./proc_stats.ts";
import type { ResultRow } from "./table.ts";
import { MS_PER_SECOND } from "../util/mod.ts";

/** Loss a step may have and still pass (the "under 0.1%"). */
export const MAX_LOSS_PERCENT = 0.1;
/** Share of the offered rate the generator must actually send for a step to count. */
const MIN_SENT_SHARE = 0.95;
/**
 * Above this share of its time busy (percent), a worker of the generator is taken to be what
 * limited the step, not the server.
 */
export const GENERATOR_BUSY_LIMIT_PERCENT = 90;
/** Deliveries are over once nothing arrived for this long. */
const QUIET_MS = 300;
const PERCENT = 100;

/**
 * What a step measures the CPU and the kernel drops of: one server process, or the nodes of a
 * cluster together (then with their broker's CPU apart).
 */
export interface MeasuredServer {
  /** The UDP port its kernel drops are read on. */
  readonly port: number;
  /** Every UDP port, when there are several (the nodes of a cluster). */
  readonly ports?: readonly number[];
  /** CPU seconds so far (of every node together), or null off Linux. */
  cpuSeconds(): Promise<number | null>;
  /** Resident memory in bytes (of every node together), or null off Linux. */
  residentBytes(): Promise<number | null>;
  /** The broker of a cluster: its CPU is noted apart. */
  readonly broker?: { cpuSeconds(): Promise<number | null> };
}

/** What the steps of one run share. */
export interface StepContext {
  /** The server under test. */
  readonly server: MeasuredServer;
  /** The members. */
  readonly pool: ClientPool;
  /**
   * Deliveries expected per message: every other member of its room, and the sender too when it
   * is a kaiwa client (its own message comes back as its delivery confirmation, docs/protocol.md §4.2).
   */
  readonly recipients: number;
  /** How long each step sends, ms. */
  readonly durationMs: number;
  /** Longest wait for late deliveries after sending, ms. */
  readonly drainMs: number;
}

/** A measured step: its table row and whether it met the loss criterion. */
export interface StepResult {
  /** The row for the table. */
  readonly row: ResultRow;
  /** Loss under {@link MAX_LOSS_PERCENT} and the offered rate actually sent. */
  readonly passed: boolean;
  /**
   * The busiest generator worker was over {@link GENERATOR_BUSY_LIMIT_PERCENT} busy: whatever
   * the step measured, the generator may have limited it.
   */
  readonly generatorLimited: boolean;
  /** The rate offered, messages per second. */
  readonly rate: number;
}

let stepCounter = 0;

/** Sends `rate` messages per second in all for one step and measures the deliveries. */
export async function measureStep(
  ctx: StepContext,
  label: string,
  rate: number,
): Promise<StepResult> {
  const { server, pool } = ctx;
  const step = ++stepCounter;
  await pool.beginStep(step);
  const serverPorts = new Set(server.ports ?? [server.port]);
  const clientPorts = new Set(pool.ports);
  const serverDropsBefore = await udpDrops(serverPorts);
  const clientDropsBefore = await udpDrops(clientPorts);
  const serverCpuBefore = await server.cpuSeconds();
  const brokerCpuBefore = await server.broker?.cpuSeconds() ?? null;
  const ownCpuBefore = ownCpuSeconds();
  const { sent, elapsedMs, busyPercent } = await pool.send(step, rate, ctx.durationMs);
  const generatorCpu = cpuPercent(ownCpuBefore, ownCpuSeconds(), elapsedMs);
  const serverCpu = cpuPercent(serverCpuBefore, await server.cpuSeconds(), elapsedMs);
  const brokerCpu = server.broker === undefined
    ? null
    : cpuPercent(brokerCpuBefore, await server.broker.cpuSeconds(), elapsedMs);
  await pool.waitQuiet(QUIET_MS, ctx.drainMs);
  const report = await pool.report();
  const serverDrops = difference(serverDropsBefore, await udpDrops(serverPorts));
  const clientDrops = difference(clientDropsBefore, await udpDrops(clientPorts));

  const expected = sent * ctx.recipients;
  const lossPercent = expected === 0 ? 0 : ((expected - report.received) * PERCENT) / expected;
  const seconds = elapsedMs / MS_PER_SECOND;
  const sentShare = sent / (rate * seconds);
  const passed = lossPercent < MAX_LOSS_PERCENT && sentShare >= MIN_SENT_SHARE;
  const generatorLimited = busyPercent > GENERATOR_BUSY_LIMIT_PERCENT;
  const notes = [
    passed ? "pass" : "FAIL",
    `kernel drops srv ${serverDrops ?? "?"} cli ${clientDrops ?? "?"}`,
  ];
  if (brokerCpu !== null) notes.push(`broker CPU ${Math.round(brokerCpu)}%`);
  if (generatorLimited) {
    notes.push(`GENERATOR-LIMITED: a worker was ${Math.round(busyPercent)}% busy`);
  }
  if (sentShare < MIN_SENT_SHARE) {
    notes.push(`generator sent only ${Math.round(sentShare * PERCENT)}%`);
  }
  if (report.stale > 0) notes.push(`${report.stale} late from earlier steps`);
  if (report.unopened > 0) notes.push(`${report.unopened} sealed datagrams did not open`);
  if (report.sendErrors > 0) notes.push(`${report.sendErrors} send errors`);
  return {
    rate,
    passed,
    generatorLimited,
    row: {
      scenario: label,
      offered: rate,
      messagesIn: sent / seconds,
      deliveries: report.received / seconds,
      lossPercent,
      latency: report.latency.summary(),
      serverCpu,
      generatorCpu,
      generatorBusy: busyPercent,
      note: notes.join("; "),
    },
  };
}

function difference(before: number | null, after: number | null): number | null {
  return before === null || after === null ? null : after - before;
}
