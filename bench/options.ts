/**
 * The benchmark's command line and the sizes of each scenario, full or `--quick`.
 *
 * @module
 */

import { parseArgs } from "node:util";
import type { RampPlan } from "./ramp.ts";

/** The scenarios of issue 6, by letter. */
export const SCENARIOS = ["a", "b", "c", "d", "e"] as const;
/** One scenario letter. */
export type Scenario = typeof SCENARIOS[number];
/**
 * The scenarios `--encrypted` runs: the chat ones. (d) measures joins and join notices, which a
 * session does not change on the UDP side; its members stay standard clients.
 */
export const ENCRYPTED_SCENARIOS: readonly Scenario[] = ["a", "b", "c"];

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
  /** True for `--fast-udp`: the server sends with sendmmsg (and runs with --allow-ffi). */
  readonly fastUdp: boolean;
  /**
   * True for `--encrypted`: the members are kaiwa-format clients with sessions, obtained over TLS
   * with the server's pinned fingerprint; every chat datagram is sealed and every event opened.
   */
  readonly encrypted: boolean;
}

/** The usage text. */
export const USAGE =
  `Usage: deno task bench [--quick] [--scenario a|b|c|d|e] [--workers N] [--fast-udp] [--encrypted]

Starts kaiwa serve as a separate process, loads it from this process and prints one table.
  --quick        every scenario, small and short (under a minute): the CI smoke
  --scenario X   run only scenario X (repeatable); e runs the loads of b and c over two cluster
                 nodes on a nats-server as well as on one node
  --workers N    client worker threads (default ${DEFAULT_WORKERS})
  --fast-udp     run the server with --fast-udp (batched sendmmsg sends, --allow-ffi)
  --encrypted    members are kaiwa clients with sessions (joined over TLS, datagrams sealed);
                 scenarios ${ENCRYPTED_SCENARIOS.join(", ")} only`;

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
        "fast-udp": { type: "boolean", default: false },
        encrypted: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (error) {
    throw new TypeError(`${(error as Error).message}\n${USAGE}`);
  }
  const { values } = parsed;
  if (values.help) return "help";
  const allowed: readonly string[] = values.encrypted ? ENCRYPTED_SCENARIOS : SCENARIOS;
  const wanted = values.scenario ?? [...allowed];
  for (const scenario of wanted) {
    if (!allowed.includes(scenario)) {
      const mode = values.encrypted ? " with --encrypted" : "";
      throw new TypeError(`Unknown scenario "${scenario}"${mode}\n${USAGE}`);
    }
  }
  const workers = values.workers === undefined ? DEFAULT_WORKERS : Number(values.workers);
  if (!Number.isInteger(workers) || workers < 1) {
    throw new TypeError(`--workers must be a positive integer, got "${values.workers}"\n${USAGE}`);
  }
  return {
    sizes: values.quick ? QUICK_SIZES : FULL_SIZES,
    quick: values.quick,
    scenarios: SCENARIOS.filter((scenario) => wanted.includes(scenario)),
    workers,
    fastUdp: values["fast-udp"],
    encrypted: values.encrypted,
  };
}
