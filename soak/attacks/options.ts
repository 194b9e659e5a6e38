/**
 * The attack tool's command line.
 *
 * @module
 */

import { parseArgs } from "node:util";
import type { ExternalServer } from "./target.ts";
import { MS_PER_SECOND } from "../../util/mod.ts";

/** Default length of each attack's measured window. */
const DEFAULT_SECONDS = 15;

/** What to run. */
export interface AttackOptions {
  /** Attack numbers, in order; empty means all. */
  readonly attacks: readonly number[];
  /** Each window, ms. */
  readonly durationMs: number;
  /** Print JSON instead of the table. */
  readonly json: boolean;
  /** A server already running on 127.0.0.1, or null to start one per attack. */
  readonly external: ExternalServer | null;
}

/** The usage text. */
export const USAGE = `deno task attack [--attack N[,N…]] [--seconds S] [--json]
                 [--port P [--pid PID] [--lobby-port L]]

Runs issue 10's attacks one at a time against a fresh kaiwa server each (or the one on
127.0.0.1:P), measuring a legit room meanwhile; prints a Markdown table (or JSON).
Every address used is loopback. Raise the open-file limit first (ulimit -n 20000).`;

/** Parses `args`; throws a usage error for bad values. */
export function parseOptions(args: readonly string[]): AttackOptions | "help" {
  const { values } = parseArgs({
    args: [...args],
    options: {
      attack: { type: "string", multiple: true, default: [] },
      seconds: { type: "string", default: String(DEFAULT_SECONDS) },
      json: { type: "boolean", default: false },
      port: { type: "string" },
      pid: { type: "string" },
      "lobby-port": { type: "string" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) return "help";
  const attacks = values.attack.flatMap((list) => list.split(",")).map((n) => count(n, "--attack"));
  const seconds = Number(values.seconds);
  if (!(seconds > 0)) throw new Error(`--seconds must be positive, got ${values.seconds}`);
  const external = values.port === undefined ? null : {
    port: count(values.port, "--port"),
    pid: values.pid === undefined ? null : count(values.pid, "--pid"),
    lobbyPort: values["lobby-port"] === undefined
      ? null
      : count(values["lobby-port"], "--lobby-port"),
  };
  return { attacks, durationMs: seconds * MS_PER_SECOND, json: values.json, external };
}

function count(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${flag} needs a whole number, got ${text}`);
  return n;
}
