/**
 * The server under test, run as a separate process (`main.ts serve`) so that its CPU and memory
 * are its own and it competes with the load generator only as a real deployment would. The soak
 * script (soak/) runs its servers through this too.
 *
 * @module
 */

import { V8_FLAGS } from "../scripts/compile.ts";
import { cpuSeconds, residentBytes } from "./proc_stats.ts";

/** The address the server and the clients use. */
export const BENCH_HOST = "127.0.0.1";
/** How long the server has to print its "listening" line. */
const START_TIMEOUT_MS = 15_000;
/** How long a SIGTERM'd server has to stop before it is killed. */
const STOP_TIMEOUT_MS = 5_000;
/** Attempts at starting, in case another process took the picked port meanwhile. */
const START_ATTEMPTS = 3;
/**
 * Set to `host:port` to start the server with Deno's inspector there, e.g. to record a CPU
 * profile of it under load with the Chrome DevTools protocol.
 */
export const INSPECT_VARIABLE = "KAIWA_BENCH_INSPECT";

/** How a server is started. */
export interface ServerStart {
  /** The port; by default a free one is picked (and another tried if it is taken meanwhile). */
  port?: number;
  /** `kaiwa serve` flags besides --host and --port. */
  flags?: readonly string[];
  /** Runs `--udp fast` (with the `--allow-ffi` it needs); else `--udp portable`. */
  fastUdp?: boolean;
}

/**
 * The serve flags the benchmark sets, and why: every limit that would refuse or throttle the
 * load is raised or turned off. Printed with the results.
 */
export const SERVER_FLAGS: readonly (readonly [flag: string, value: string, why: string])[] = [
  ["--flood-rate", "0", "flood control off (5 msg/s per member by default)"],
  ["--join-rate", "0", "per-IP join limit off (20 requests/s by default)"],
  ["--max-room-members", "200000", "raised from 5,000"],
  ["--max-rooms", "200000", "raised from 10,000"],
  ["--max-connections", "100000", "raised from 1,024"],
  ["--max-connections-per-ip", "100000", "raised from 32 (every client is 127.0.0.1)"],
  ["--timeout", "3600", "raised from 300 s, so idle members are never removed mid-run"],
  ["--bind-timeout", "3600", "raised from 20 s: join scenarios admit members that never bind"],
  ["--max-members", "400000", "raised from 100,000"],
  ["--max-members-per-ip", "400000", "raised from 100 (every client is 127.0.0.1)"],
  ["--max-rooms-per-ip", "200000", "raised from 10 (every client is 127.0.0.1)"],
  [
    "--ip-flood-rate",
    "0",
    "per-IP chat limit off (20 msg/s by default; every client is 127.0.0.1)",
  ],
  ["--max-incomplete-per-ip", "100000", "raised from 8 (every client is 127.0.0.1)"],
];

/** The whole command line tail of the benchmark's server: quiet, and every limit raised. */
export const BENCH_SERVE_FLAGS: readonly string[] = [
  "--quiet",
  ...SERVER_FLAGS.flatMap(([flag, value]) => [flag, value]),
];

/**
 * What the server's own listening line holds (after a time stamp when stderr is not a terminal);
 * Deno's inspector prints "Debugger listening on …" first, which must not count.
 */
const LISTENING_MARK = "kaiwa: listening";

/** The fingerprint on the server's listening line: `…, TLS SHA256:<base64>`. */
const FINGERPRINT_PATTERN = /TLS (SHA256:[A-Za-z0-9+/=]+)/;

/** The benchmark server's data directory, under the temporary directory. */
const BENCH_DATA_DIR = "kaiwa-bench-data";

/** A running `kaiwa serve` process. */
export class ServerProcess {
  /** The server's TCP and UDP port. */
  readonly port: number;
  /** The process id, for /proc readings. */
  readonly pid: number;
  /** True when it runs with `--udp fast`. */
  readonly fastUdp: boolean;
  readonly #child: Deno.ChildProcess;
  readonly #lines: string[];
  #stopped: Promise<Deno.CommandStatus> | null = null;

  private constructor(
    child: Deno.ChildProcess,
    port: number,
    lines: string[],
    fastUdp: boolean,
  ) {
    this.#child = child;
    this.fastUdp = fastUdp;
    this.pid = child.pid;
    this.port = port;
    this.#lines = lines;
  }

  /** Starts the server and waits until it listens. */
  static async start(options: ServerStart = {}): Promise<ServerProcess> {
    if (options.port !== undefined) return await ServerProcess.#startOn(options.port, options);
    let lastError: Error | null = null;
    for (let attempt = 0; attempt < START_ATTEMPTS; attempt++) {
      try {
        return await ServerProcess.#startOn(pickPort(), options);
      } catch (error) {
        lastError = error as Error;
      }
    }
    throw lastError!;
  }

  static async #startOn(port: number, options: ServerStart): Promise<ServerProcess> {
    const fastUdp = options.fastUdp ?? false;
    // The V8 flags `deno task serve` and the compiled binary run with.
    const args = ["run", V8_FLAGS, "--allow-net", "--allow-env"];
    if (fastUdp) args.push("--allow-ffi");
    const inspect = Deno.env.get(INSPECT_VARIABLE);
    if (inspect) args.push(`--inspect=${inspect}`);
    // Bench clients speak plain TCRP (TLS with --encrypted); the server makes its TLS identity
    // once, in a directory of its own that later runs reuse (the benchmark itself may not write).
    const dataDir = `${Deno.env.get("TMPDIR") ?? "/tmp"}/${BENCH_DATA_DIR}`;
    args.push(`--allow-read=${dataDir}`, `--allow-write=${dataDir}`);
    args.push("main.ts", "serve", "--host", BENCH_HOST, "--port", String(port));
    args.push("--data-dir", dataDir);
    args.push(...options.flags ?? []);
    args.push("--udp", fastUdp ? "fast" : "portable");
    const child = new Deno.Command(Deno.execPath(), {
      args,
      cwd: new URL("..", import.meta.url),
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const lines: string[] = [];
    const listening = watchStderr(child.stderr, lines);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), START_TIMEOUT_MS);
    });
    const ready = await Promise.race([listening, timeout]);
    clearTimeout(timer);
    const server = new ServerProcess(child, port, lines, fastUdp);
    if (!ready) {
      await server.stop();
      throw new Error(`Server did not start on port ${port}: ${lines.join(" | ") || "no output"}`);
    }
    return server;
  }

  /** The server's resident memory in bytes, or null off Linux. */
  residentBytes(): Promise<number | null> {
    return residentBytes(this.pid);
  }

  /** CPU seconds the server used so far, or null off Linux. */
  cpuSeconds(): Promise<number | null> {
    return cpuSeconds(this.pid);
  }

  /**
   * The TLS fingerprint (`SHA256:…`) the server printed on its listening line, for clients to
   * pin; null if it printed none.
   */
  get fingerprint(): string | null {
    const listening = this.#lines.find((line) => line.includes(LISTENING_MARK));
    return listening?.match(FINGERPRINT_PATTERN)?.[1] ?? null;
  }

  /** The lines the server wrote on stderr. */
  get log(): readonly string[] {
    return this.#lines;
  }

  /**
   * Stops the server with `signalName` (SIGKILL if it lingers after a SIGTERM) and waits for it
   * to exit; resolves to how it exited.
   */
  stop(signalName: Deno.Signal = "SIGTERM"): Promise<Deno.CommandStatus> {
    this.#stopped ??= (async () => {
      signal(this.#child, signalName);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const killed = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          signal(this.#child, "SIGKILL");
          resolve();
        }, STOP_TIMEOUT_MS);
      });
      await Promise.race([this.#child.status, killed]);
      const status = await this.#child.status;
      clearTimeout(timer);
      return status;
    })();
    return this.#stopped;
  }
}

function signal(child: Deno.ChildProcess, name: Deno.Signal): void {
  try {
    child.kill(name);
  } catch {
    // Already exited.
  }
}

/** A port that is free for both TCP and UDP right now. */
function pickPort(): number {
  for (;;) {
    const listener = Deno.listen({ hostname: BENCH_HOST, port: 0 });
    const port = (listener.addr as Deno.NetAddr).port;
    try {
      Deno.listenDatagram({ transport: "udp", hostname: BENCH_HOST, port }).close();
      return port;
    } catch {
      // UDP port taken: try another.
    } finally {
      listener.close();
    }
  }
}

/**
 * Reads the server's stderr to the end, keeping its lines; resolves true at the
 * "listening" line, false if the stream ends first.
 */
function watchStderr(stderr: ReadableStream<Uint8Array>, lines: string[]): Promise<boolean> {
  return new Promise((resolve) => {
    (async () => {
      let pending = "";
      for await (const text of stderr.pipeThrough(new TextDecoderStream())) {
        pending += text;
        const parts = pending.split("\n");
        pending = parts.pop() ?? "";
        for (const line of parts) {
          lines.push(line);
          if (line.includes(LISTENING_MARK)) resolve(true);
        }
      }
      resolve(false);
    })().catch(() => resolve(false));
  });
}
