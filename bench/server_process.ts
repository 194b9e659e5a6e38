/**
 * The server under test, run as a separate process (`main.ts serve`, or a reference relay) so
 * that its CPU and memory are its own and it competes with the load generator only as a real
 * deployment would. The soak script (soak/) runs its servers through this too.
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

/**
 * Which UDP path kaiwa runs: its default (`--udp auto`: the batched FFI path wherever it works,
 * as here), or forced to the batched path (`--udp fast`, failing rather than falling back) or to
 * Deno's sockets (`--udp portable`).
 */
export type UdpPath = "default" | "fast" | "portable";

/** The `kaiwa serve` flags that choose each {@link UdpPath}. */
const UDP_PATH_FLAGS: Readonly<Record<UdpPath, readonly string[]>> = {
  default: [],
  fast: ["--udp", "fast"],
  portable: ["--udp", "portable"],
};

/** How a kaiwa server is started. */
export interface ServerStart {
  /** The port; by default a free one is picked (and another tried if it is taken meanwhile). */
  port?: number;
  /** `kaiwa serve` flags besides --host and --port. */
  flags?: readonly string[];
  /** The UDP path; "default" unless said. The server may always use FFI, as `deno task serve`. */
  udp?: UdpPath;
}

/** A program to run as the server: its path, and its arguments for a port. */
export interface ServerProgram {
  /** The executable. */
  readonly program: string | URL;
  /** Its arguments to listen on 127.0.0.1 at `port` (TCP and UDP). */
  readonly args: (port: number) => string[];
  /** Its working directory. */
  readonly cwd?: URL;
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
 * The listening line of kaiwa (`kaiwa: listening …`, after a time stamp when stderr is not a
 * terminal) and of the reference relays (`ref_relay: listening …`, `ref_relay.py: listening …`).
 * Deno's inspector prints "Debugger listening on …" first, which must not count.
 */
const LISTENING_PATTERN = /\b(kaiwa|ref_relay|ref_relay\.py): listening\b/;

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
  readonly #child: Deno.ChildProcess;
  readonly #lines: string[];
  #stopped: Promise<Deno.CommandStatus> | null = null;
  /** The servers started and not yet stopped, for {@link stopAll}. */
  static readonly #running = new Set<ServerProcess>();

  private constructor(child: Deno.ChildProcess, port: number, lines: string[]) {
    this.#child = child;
    this.pid = child.pid;
    this.port = port;
    this.#lines = lines;
    ServerProcess.#running.add(this);
  }

  /** Stops every server still running, e.g. when the benchmark is interrupted. */
  static async stopAll(): Promise<void> {
    await Promise.all([...ServerProcess.#running].map((server) => server.stop()));
  }

  /** Starts `kaiwa serve` and waits until it listens. */
  static start(options: ServerStart = {}): Promise<ServerProcess> {
    return ServerProcess.run(kaiwaProgram(options), options.port);
  }

  /**
   * Starts `server` and waits until it prints a line with "listening" on stderr; on `port`, or by
   * default on a free one (another tried if it is taken meanwhile).
   */
  static async run(server: ServerProgram, port?: number): Promise<ServerProcess> {
    if (port !== undefined) return await ServerProcess.#startOn(port, server);
    let lastError: Error | null = null;
    for (let attempt = 0; attempt < START_ATTEMPTS; attempt++) {
      try {
        return await ServerProcess.#startOn(pickPort(), server);
      } catch (error) {
        lastError = error as Error;
      }
    }
    throw lastError!;
  }

  static async #startOn(port: number, server: ServerProgram): Promise<ServerProcess> {
    const child = new Deno.Command(server.program, {
      args: server.args(port),
      cwd: server.cwd,
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
    const started = new ServerProcess(child, port, lines);
    if (!ready) {
      await started.stop();
      throw new Error(`Server did not start on port ${port}: ${lines.join(" | ") || "no output"}`);
    }
    return started;
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
    const listening = this.#lines.find((line) => LISTENING_PATTERN.test(line));
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
      ServerProcess.#running.delete(this);
      return status;
    })();
    return this.#stopped;
  }
}

/** `main.ts serve` with `options`, run by this Deno. */
function kaiwaProgram(options: ServerStart): ServerProgram {
  // The server may use FFI and runs with the V8 flags, as `deno task serve` and the compiled
  // binary do; its UDP path is chosen by flags.
  const deno = ["run", V8_FLAGS, "--allow-net", "--allow-env", "--allow-ffi"];
  const inspect = Deno.env.get(INSPECT_VARIABLE);
  if (inspect) deno.push(`--inspect=${inspect}`);
  // Bench clients speak plain TCRP (TLS with --encrypted); the server makes its TLS identity
  // once, in a directory of its own that later runs reuse (the benchmark itself may not write).
  const dataDir = `${Deno.env.get("TMPDIR") ?? "/tmp"}/${BENCH_DATA_DIR}`;
  deno.push(`--allow-read=${dataDir}`, `--allow-write=${dataDir}`);
  return {
    program: Deno.execPath(),
    cwd: new URL("..", import.meta.url),
    args: (port) => [
      ...deno,
      "main.ts",
      "serve",
      "--host",
      BENCH_HOST,
      "--port",
      String(port),
      "--data-dir",
      dataDir,
      ...options.flags ?? [],
      ...UDP_PATH_FLAGS[options.udp ?? "default"],
    ],
  };
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
          if (LISTENING_PATTERN.test(line)) resolve(true);
        }
      }
      resolve(false);
    })().catch(() => resolve(false));
  });
}
