/**
 * The servers a benchmark run loads: kaiwa on a chosen UDP path and, with `--compare`, the two
 * reference relays of ../shared/perf-refs/ (the C one built with `cc -O2` into a temporary
 * directory, since shared/ may be read-only). Each scenario starts its contender afresh.
 *
 * @module
 */

import { BENCH_HOST, BENCH_SERVE_FLAGS, ServerProcess, type UdpPath } from "./server_process.ts";

/** Where the reference relays are: `shared/perf-refs/` beside the repository. */
const PERF_REFS = new URL("../../shared/perf-refs/", import.meta.url);
const C_SOURCE = "ref_relay.c";
const PYTHON_SOURCE = "ref_relay.py";
const C_BINARY = "ref_relay";
const decoder = new TextDecoder();

/** A server the scenarios can start afresh. */
export interface Contender {
  /** Its short name, for headings and progress. */
  readonly name: string;
  /** How it runs, for the header. */
  readonly description: string;
  /** True for kaiwa: it speaks kaiwa's own events and sessions. */
  readonly isKaiwa: boolean;
  /**
   * Starts a fresh process of it and waits until it listens. With `notices`, a reference relay
   * announces arrivals (kaiwa always does).
   */
  start(notices: boolean): Promise<ServerProcess>;
  /** kaiwa only: starts it with `flags` added (a node of a cluster). */
  readonly startWith?: (flags: readonly string[]) => Promise<ServerProcess>;
}

/** kaiwa on UDP path `udp`, every limit raised. */
export function kaiwaContender(name: string, udp: UdpPath): Contender {
  return {
    name,
    description: `kaiwa serve, UDP path ${udp}`,
    isKaiwa: true,
    start: () => ServerProcess.start({ flags: BENCH_SERVE_FLAGS, udp }),
    startWith: (flags) => ServerProcess.start({ flags: [...BENCH_SERVE_FLAGS, ...flags], udp }),
  };
}

/** The reference relays, ready to start, and the temporary directory to remove after. */
export interface ReferenceRelays {
  /** The C relay (epoll, recvmmsg, sendmmsg; its own 4 MiB socket buffers). */
  readonly c: Contender;
  /** The seed-style Python relay (threads, blocking sockets, a sendto loop). */
  readonly python: Contender;
  /** Removes the built binary. */
  remove(): Promise<void>;
}

/** Runs `program` with `args`; its stdout, or an Error saying what failed. */
async function run(program: string, args: string[], what: string): Promise<string> {
  let output;
  try {
    output = await new Deno.Command(program, { args, stdout: "piped", stderr: "piped" }).output();
  } catch (error) {
    throw new Error(`${what} needs ${program}: ${(error as Error).message}`);
  }
  if (!output.success) {
    throw new Error(`${what} failed: ${decoder.decode(output.stderr).trim()}`);
  }
  return decoder.decode(output.stdout).trim();
}

/**
 * Builds the C relay into a fresh temporary directory and checks that python3 runs.
 *
 * @throws {Error} when the sources are missing, `cc` fails or `python3` does not run.
 */
export async function prepareReferenceRelays(): Promise<ReferenceRelays> {
  const source = (name: string) => new URL(name, PERF_REFS).pathname;
  for (const name of [C_SOURCE, PYTHON_SOURCE]) {
    try {
      await Deno.stat(source(name));
    } catch {
      throw new Error(`--compare needs the reference relays: ${source(name)} is missing`);
    }
  }
  await run("python3", ["--version"], "--compare");
  const dir = await run("mktemp", ["-d", "-t", "kaiwa-bench-refs.XXXXXX"], "--compare");
  const binary = `${dir}/${C_BINARY}`;
  try {
    await run("cc", ["-O2", "-o", binary, source(C_SOURCE)], "Building the C reference relay");
  } catch (error) {
    await run("rm", ["-rf", dir], "Removing the build directory").catch(() => {});
    throw error;
  }
  const host = ["--host", BENCH_HOST];
  const noticesFlag = (notices: boolean) => notices ? ["--notices"] : [];
  return {
    c: {
      name: "C relay",
      description: `${C_SOURCE} built with cc -O2`,
      isKaiwa: false,
      start: (notices) =>
        ServerProcess.run({
          program: binary,
          args: (port) => [...host, "--port", String(port), ...noticesFlag(notices)],
        }),
    },
    python: {
      name: "Python relay",
      description: `python3 ${PYTHON_SOURCE}`,
      isKaiwa: false,
      start: (notices) =>
        ServerProcess.run({
          program: "python3",
          args: (
            port,
          ) => [source(PYTHON_SOURCE), ...host, "--port", String(port), ...noticesFlag(notices)],
        }),
    },
    remove: async () => {
      await run("rm", ["-rf", dir], "Removing the build directory");
    },
  };
}
