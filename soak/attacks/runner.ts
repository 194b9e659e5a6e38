/**
 * Runs one attack: a fresh server, the legit room, the attack's preparation, then the measured
 * window (legit chat and joins, server CPU, memory and log, attacker traffic), then the
 * attack's own figure.
 *
 * @module
 */

import { type LegitFigures, LegitRoom } from "./legit_room.ts";
import { logBytes } from "./log_figures.ts";
import { Traffic } from "./pace.ts";
import { type ServerFigures, ServerSampler } from "./server_sampler.ts";
import { type ExternalServer, startTarget, type Target } from "./target.ts";
import type { Attack, AttackContext, AttackFigure } from "./types.ts";
import { MS_PER_SECOND } from "../../util/mod.ts";

const KB = 1000;

/** Everything measured for one attack. */
export interface AttackResult {
  readonly id: number;
  readonly title: string;
  /** Attacker bytes sent during the window, KB/s. */
  readonly attackKBps: number;
  readonly legit: LegitFigures;
  readonly server: ServerFigures;
  /** Bytes the server logged during the window, or null when its log is not read. */
  readonly logBytes: number | null;
  readonly figure: AttackFigure;
}

/** The figures of the window itself. */
type Measured = Omit<AttackResult, "id" | "title" | "figure">;

/** How every attack is run. */
export interface RunOptions {
  /** The measured window, ms. */
  readonly durationMs: number;
  /** Attack this running server instead of starting one per attack. */
  readonly external: ExternalServer | null;
}

/** Runs `attack` and measures it; throws if the attack or its server fails. */
export async function runAttack(attack: Attack, options: RunOptions): Promise<AttackResult> {
  const progress = (line: string) => console.error(`attack ${attack.id}: ${line}`);
  const target = await startTarget(attack.server, options.external);
  let legit: LegitRoom | null = null;
  try {
    legit = await LegitRoom.open(target.port);
    const room = legit;
    const traffic = new Traffic();
    let measured: Measured | null = null;
    const ctx: AttackContext = {
      port: target.port,
      lobbyPort: target.lobbyPort,
      durationMs: options.durationMs,
      traffic,
      legitHost: room.hostAddress,
      log: target.log,
      serverRss: () => target.residentBytes(),
      progress,
      window: async (load) => {
        if (measured !== null) throw new Error("window() may be called once");
        progress(`measuring for ${options.durationMs / MS_PER_SECOND} s`);
        const result = await measureWindow(target, room, traffic, options.durationMs, load);
        measured = result.measured;
        return result.value;
      },
    };
    const figure = await attack.run(ctx);
    const window = measured as Measured | null;
    if (window === null) throw new Error(`attack ${attack.id} never opened its window`);
    return { id: attack.id, title: attack.title, figure, ...window };
  } finally {
    await legit?.close().catch(() => {});
    await target.stop();
  }
}

async function measureWindow<T>(
  target: Target,
  room: LegitRoom,
  traffic: Traffic,
  durationMs: number,
  load: (signal: AbortSignal) => Promise<T>,
): Promise<{ value: T; measured: Measured }> {
  const logStart = target.log().length;
  traffic.bytes = 0;
  const sampler = await ServerSampler.start(target);
  const begin = performance.now();
  const signal = AbortSignal.timeout(durationMs);
  const legitDone = room.measure(durationMs);
  legitDone.catch(() => {}); // awaited below; this only keeps a failing load from orphaning it
  // Server figures stop with the attack, not after the legit room's drain, so that an idle
  // tail does not dilute the CPU average.
  const value = await load(signal);
  const seconds = Math.max(durationMs, performance.now() - begin) / MS_PER_SECOND;
  const sent = traffic.bytes;
  const server = await sampler.stop();
  const lines = target.log().slice(logStart);
  const logged = target.logged ? logBytes(lines) : null;
  const legit = await legitDone;
  return {
    value,
    measured: { attackKBps: sent / KB / seconds, legit, server, logBytes: logged },
  };
}
