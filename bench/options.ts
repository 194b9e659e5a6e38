/**
 * The benchmark's command line and the sizes of each scenario, full or `--quick`.
 *
 * @module
 */

import { parseArgs } from "node:util";
import type { RampPlan } from "./ramp.ts";
import type { UdpPath } from "./server_process.ts";

/** The scenarios of issue 6, by letter. */
export const SCENARIOS = ["a", "b", "c", "d", "e"] as const;
/** One scenario letter. */
export type Scenario = typeof SCENARIOS[number];
/**
 * The scenarios `--encrypted` runs: the chat ones. (d) measures joins and join notices, which a
 * session does not change on the UDP side; its members stay standard clients.
 */
export const ENCRYPTED_SCENARIOS: readonly Scenario[] = ["a", "b", "c"];
/** The scenarios `--compare` runs: (e) is kaiwa's own cluster, which the reference relays lack. */
export const COMPARED_SCENARIOS: readonly Scenario[] = ["a", "b", "c", "d"];

/** How big each scenario is. */
export interface BenchSizes {
  /** Members of the one room of (a) and (b). */
  readonly bigRoom: number;
  /** Messages per second in (a). */
  readonly aRate: number;
  /** The ramp of (b), messages per second into the big room. */
  readonly bRamp: RampPlan;
  /** Rooms of (c) and (d); each has {@link smallRoomSize} members. */
  readonly smallRooms: number;
  /** Members per room in (c) and (d). */
  readonly smallRoomSize: number;
  /** The ramp of (c), messages per second in all. */
  readonly cRamp: RampPlan;
  /** Members of the room (d) fills with join notices on. */
  readonly fillRoom: number;
  /** Members (d) adds to measure the server's memory per member, in rooms of {@link smallRoomSize}. */
  readonly memoryMembers: number;
  /** How long each step sends, ms. */
  readonly stepMs: number;
  /** Longest wait for late deliveries after a step, ms. */
  readonly drainMs: number;
}

/** The full run: the sizes. */
export const FULL_SIZES: BenchSizes = {
  bigRoom: 1_000,
  aRate: 10,
  bRamp: { start: 40, max: 2_048, doublings: 7, bisections: 3 },
  smallRooms: 250,
  smallRoomSize: 4,
  cRamp: { start: 4_000, max: 256_000, doublings: 7, bisections: 3 },
  fillRoom: 1_000,
  memoryMembers: 100_000,
  stepMs: 3_000,
  drainMs: 5_000,
};

/**
 * `--compare`: the full sizes with steps of 2 s, and ramps that start one doubling higher (a
 * server failing there is looked for below) and bisect twice: four servers times three rounds
 * take about 23 minutes (a round took 7 min 41 s on a busy machine).
 */
export const COMPARE_SIZES: BenchSizes = {
  ...FULL_SIZES,
  bRamp: { ...FULL_SIZES.bRamp, start: FULL_SIZES.bRamp.start * 2, bisections: 2 },
  cRamp: { ...FULL_SIZES.cRamp, start: FULL_SIZES.cRamp.start * 2, bisections: 2 },
  stepMs: 2_000,
};

/** `--quick`: every scenario, small and with one step each; the CI smoke. */
export const QUICK_SIZES: BenchSizes = {
  bigRoom: 100,
  aRate: 10,
  bRamp: { start: 100, max: 100, doublings: 1, bisections: 0 },
  smallRooms: 25,
  smallRoomSize: 4,
  cRamp: { start: 1_000, max: 1_000, doublings: 1, bisections: 0 },
  fillRoom: 100,
  memoryMembers: 1_000,
  stepMs: 500,
  drainMs: 1_000,
};

/** Worker threads for the members by default: one per core of the 2-core target machine. */
const DEFAULT_WORKERS = 2;

/** What the command line asked for. */
export interface BenchOptions {
  /** The sizes to run. */
  readonly sizes: BenchSizes;
  /** True for `--quick`. */
  readonly quick: boolean;
  /** The scenarios to run, in order. */
  readonly scenarios: readonly Scenario[];
  /** Worker threads the members are spread over. */
  readonly workers: number;
  /**
   * kaiwa's UDP path without `--compare`: "portable" for `--portable`, otherwise its default
   * (the batched FFI path wherever it works).
   */
  readonly udp: UdpPath;
  /**
   * True for `--compare`: every scenario runs against kaiwa (default path), kaiwa forced to the
   * portable path and the C and Python reference relays, interleaved, then the verdict table.
   */
  readonly compare: boolean;
  /** How many times everything runs; the verdict takes the medians. */
  readonly rounds: number;
  /**
   * True for `--encrypted`: the members are kaiwa-format clients with sessions, obtained over TLS
   * with the server's pinned fingerprint; every chat datagram is sealed and every event opened.
   */
  readonly encrypted: boolean;
}

/** The usage text. */
export const USAGE = `Usage: deno task bench [--quick] [--scenario a|b|c|d|e] [--workers N]
                       [--portable | --compare [--rounds N]] [--encrypted]

Starts each server as a separate process (a fresh one per scenario), loads it from this process
and prints a table. Linux only: the load generator drives its sockets through libc (--allow-ffi,
which deno task bench grants); elsewhere it stops with one line and exit status 3.
  --quick        every scenario, small and short (under a minute): the CI smoke
  --scenario X   run only scenario X (repeatable); e runs the loads of b and c on one node,
                 then over two cluster nodes on a nats-server (kaiwa only)
  --workers N    client worker threads (default ${DEFAULT_WORKERS})
  --portable     kaiwa forced to its portable UDP path (Deno's sockets), not its default
  --compare      the same scenarios against kaiwa (default path), kaiwa --portable, and the C
                 and Python reference relays of ../shared/perf-refs/ (needs cc and python3),
                 interleaved, with steps of 2 s and shorter ramps (about 8 minutes a round);
                 then a table per server and kaiwa's ratios to each target
  --rounds N     run everything N times (default 1); the verdict takes the medians
  --encrypted    members are kaiwa clients with sessions (joined over TLS, datagrams sealed);
                 scenarios ${ENCRYPTED_SCENARIOS.join(", ")} only, not with --compare`;

/** Parses the benchmark's arguments; throws a TypeError with the usage on a bad one. */
export function parseBenchArgs(args: string[]): BenchOptions | "help" {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        quick: { type: "boolean", default: false },
        scenario: { type: "string", multiple: true },
        workers: { type: "string" },
        portable: { type: "boolean", default: false },
        compare: { type: "boolean", default: false },
        rounds: { type: "string" },
        encrypted: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (error) {
    throw new TypeError(`${(error as Error).message}\n${USAGE}`);
  }
  const { values } = parsed;
  if (values.help) return "help";
  const allowed: readonly string[] = values.encrypted
    ? ENCRYPTED_SCENARIOS
    : values.compare
    ? COMPARED_SCENARIOS
    : SCENARIOS;
  const wanted = values.scenario ?? [...allowed];
  for (const scenario of wanted) {
    if (!allowed.includes(scenario)) {
      const mode = values.encrypted ? " with --encrypted" : values.compare ? " with --compare" : "";
      throw new TypeError(`Unknown scenario "${scenario}"${mode}\n${USAGE}`);
    }
  }
  const workers = positiveInteger("--workers", values.workers, DEFAULT_WORKERS);
  const rounds = positiveInteger("--rounds", values.rounds, 1);
  if (values.portable && values.compare) {
    throw new TypeError(`--compare runs kaiwa on both paths: drop --portable\n${USAGE}`);
  }
  if (values.compare && values.encrypted) {
    throw new TypeError(
      `--encrypted cannot be compared: the reference relays have no sessions\n${USAGE}`,
    );
  }
  if (values.rounds !== undefined && !values.compare) {
    throw new TypeError(`--rounds goes with --compare\n${USAGE}`);
  }
  return {
    sizes: values.quick ? QUICK_SIZES : values.compare ? COMPARE_SIZES : FULL_SIZES,
    quick: values.quick,
    scenarios: SCENARIOS.filter((scenario) => wanted.includes(scenario)),
    workers,
    udp: values.portable ? "portable" : "default",
    compare: values.compare,
    rounds,
    encrypted: values.encrypted,
  };
}

/** `value` as a positive integer, `fallback` when absent; throws a TypeError otherwise. */
function positiveInteger(flag: string, value: string | undefined, fallback: number): number {
  const number = value === undefined ? fallback : Number(value);
  if (!Number.isInteger(number) || number < 1) {
    throw new TypeError(`${flag} must be a positive integer, got "${value}"\n${USAGE}`);
  }
  return number;
}
