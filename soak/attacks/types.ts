/**
 * What an attack is and what the runner gives it.
 *
 * @module
 */

import type { Traffic } from "./pace.ts";

/** What an attack needs from the server it is run against. */
export interface ServerNeeds {
  /** Run with `--udp fast` (attack 9: ICMP errors are read on that path only). */
  readonly fastUdp?: boolean;
  /** Run the Stage 1 lobby (`--lobby-port`). */
  readonly lobby?: boolean;
}

/** What the runner hands an attack. */
export interface AttackContext {
  /** The server's TCP and UDP port on 127.0.0.1. */
  readonly port: number;
  /** The Stage 1 lobby's port, when the attack asked for one. */
  readonly lobbyPort: number | null;
  /** How long the measured window lasts, ms. */
  readonly durationMs: number;
  /** Count every byte the attack sends here. */
  readonly traffic: Traffic;
  /** The legit room's host's UDP address (on 127.0.0.1). */
  readonly legitHost: Deno.NetAddr;
  /** The server's resident memory in bytes, or null when it cannot be read. */
  serverRss(): Promise<number | null>;
  /** The lines the server has logged so far (none for a server the tool did not start). */
  readonly log: () => readonly string[];
  /**
   * Runs `load` while the legit room is measured; `signal` aborts when the window is over and
   * `load` must then end promptly. Call it once, after any unmeasured preparation.
   */
  window<T>(load: (signal: AbortSignal) => Promise<T>): Promise<T>;
  /** A progress line on stderr. */
  progress(line: string): void;
}

/** The figure that tells what this attack did, besides the legit room's. */
export interface AttackFigure {
  /** For the table. */
  readonly text: string;
  /**
   * What the figure shows wrong regardless of the legit room (an amplification, a limit
   * bypassed), in a few words; absent when nothing is.
   */
  readonly concern?: string;
  /** The same, as numbers, for --json. */
  readonly values: Readonly<Record<string, number | string | boolean | null>>;
}

/** One attack of the table. */
export interface Attack {
  /** Its number in issue 10's table. */
  readonly id: number;
  /** A few words. */
  readonly title: string;
  /** What the server must run with. */
  readonly server: ServerNeeds;
  /** Prepares, calls `ctx.window` once with the load, and reports its own figure. */
  run(ctx: AttackContext): Promise<AttackFigure>;
}
