/**
 * A CPU profile of a running server, summed up as text: where the time goes per function and per
 * file. It speaks the Chrome DevTools protocol to Deno's inspector, so the server must run with
 * `--inspect` (the benchmark starts it so when `KAIWA_BENCH_INSPECT` is set):
 *
 * ```sh
 * KAIWA_BENCH_INSPECT=127.0.0.1:9339 deno task bench --scenario c --fast-udp &
 * deno run --allow-net bench/profile.ts --inspect 127.0.0.1:9339 --delay 8 --seconds 10
 * ```
 *
 * It waits for the inspector to answer (the benchmark starts its server after a few seconds),
 * waits `--delay` seconds more (so that the profile covers the load, not the start), records
 * `--seconds` seconds at `--interval` µs per sample, and prints self time per function (top
 * `--top`) and per file. Self time is the time a function was on top of the stack: its own code,
 * not its callees'. `(program)` is native work V8 cannot attribute (e.g. system calls made through
 * FFI or Deno's ops), `(idle)` the event loop waiting, `(garbage collector)` GC pauses.
 *
 * @module
 */

import { parseArgs } from "node:util";

/** How often the inspector's address is tried while the server starts. */
const POLL_INTERVAL_MS = 200;
/** How long to wait for the inspector before giving up. */
const CONNECT_TIMEOUT_MS = 120_000;
const MS_PER_SECOND = 1_000;
const US_PER_MS = 1_000;

/** One node of a V8 CPU profile (`Profiler.Profile`). */
interface ProfileNode {
  readonly id: number;
  readonly children?: readonly number[];
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
  };
}

/** A V8 CPU profile, as `Profiler.stop` returns it. */
interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  /** µs since the previous sample. */
  readonly timeDeltas: readonly number[];
  readonly startTime: number;
  readonly endTime: number;
}

/** Self time, µs, by key. */
type Totals = Map<string, number>;

/** A call waiting for its answer. */
interface PendingCall {
  resolve(result: unknown): void;
  reject(error: Error): void;
}

/** A DevTools protocol session over the inspector's WebSocket. */
class InspectorSession {
  readonly #socket: WebSocket;
  readonly #pending = new Map<number, PendingCall>();
  #nextId = 1;

  private constructor(socket: WebSocket) {
    this.#socket = socket;
    socket.onmessage = (event) => {
      const message = JSON.parse(event.data as string);
      const call = this.#pending.get(message.id);
      if (call === undefined) return;
      this.#pending.delete(message.id);
      if (message.error === undefined) call.resolve(message.result);
      else call.reject(new Error(`Inspector error: ${JSON.stringify(message.error)}`));
    };
    // The server stopped (e.g. the benchmark ended): no answer will come.
    socket.onclose = () => {
      for (const call of this.#pending.values()) {
        call.reject(new Error("The inspector closed the session"));
      }
      this.#pending.clear();
    };
  }

  /** Opens a session on the debugger WebSocket at `url`. */
  static open(url: string): Promise<InspectorSession> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url);
      socket.onopen = () => resolve(new InspectorSession(socket));
      socket.onerror = () => reject(new Error(`Cannot open the inspector session at ${url}`));
    });
  }

  /** Sends `method` and resolves to its result. */
  call<T>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (result: unknown) => void, reject });
      this.#socket.send(JSON.stringify({ id, method, params }));
    });
  }

  /** Ends the session. */
  close(): void {
    this.#socket.close();
  }
}

/** The debugger WebSocket URL the inspector at `address` lists, once it answers. */
async function debuggerUrl(address: string): Promise<string> {
  const deadline = Date.now() + CONNECT_TIMEOUT_MS;
  for (;;) {
    try {
      const response = await fetch(`http://${address}/json`);
      const targets = await response.json() as { webSocketDebuggerUrl?: string }[];
      const url = targets.find((target) => target.webSocketDebuggerUrl)?.webSocketDebuggerUrl;
      if (url !== undefined) return url;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error(`No inspector answered at ${address}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}

/** Self time per function (`name file:line`) and per file, from the samples. */
function selfTimes(profile: CpuProfile): { byFunction: Totals; byFile: Totals; total: number } {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parents = new Map<number, ProfileNode>();
  for (const node of profile.nodes) {
    for (const child of node.children ?? []) parents.set(child, node);
  }
  const byFunction: Totals = new Map();
  const byFile: Totals = new Map();
  let total = 0;
  const add = (totals: Totals, key: string, us: number) =>
    totals.set(key, (totals.get(key) ?? 0) + us);
  for (let i = 0; i < profile.samples.length; i++) {
    // A sample's time is the gap to the next one (the last sample gets none).
    const us = profile.timeDeltas[i + 1] ?? 0;
    const node = nodes.get(profile.samples[i]);
    if (node === undefined) continue;
    const frame = node.callFrame;
    const file = shortFile(frame.url);
    let name = frame.functionName || "(anonymous)";
    if (file === "" && frame.functionName === "") {
      // A native function without a name: an FFI symbol (a system call) or a builtin. Its
      // caller says which.
      const caller = parents.get(node.id)?.callFrame;
      name = `(native) from ${caller?.functionName || "?"} ${shortFile(caller?.url ?? "")}`;
    }
    add(byFunction, file === "" ? name : `${name} ${file}:${frame.lineNumber + 1}`, us);
    add(byFile, file === "" ? name : file, us);
    total += us;
  }
  return { byFunction, byFile, total };
}

/** The file's path from the repository's root (or the runtime's `ext:` name), no scheme. */
function shortFile(url: string): string {
  if (url === "") return "";
  const at = url.search(/\/(server|protocol|util|cli|client|bench)\//);
  return at >= 0 ? url.slice(at + 1) : url.replace(/^file:\/\//, "");
}

/** The `top` largest entries of `totals` as table lines, with their share of `total`. */
function formatTotals(title: string, totals: Totals, total: number, top: number): string {
  const rows = [...totals].sort((a, b) => b[1] - a[1]).slice(0, top);
  const lines = [`${title}`, "   self ms  share  what"];
  for (const [key, us] of rows) {
    const ms = (us / US_PER_MS).toFixed(1).padStart(10);
    const share = `${(100 * us / total).toFixed(1)}%`.padStart(6);
    lines.push(`${ms} ${share}  ${key}`);
  }
  return lines.join("\n");
}

const USAGE = `Usage: deno run --allow-net bench/profile.ts [--inspect HOST:PORT] [--delay S]
         [--seconds S] [--interval US] [--top N]
  --inspect   the server's inspector (default 127.0.0.1:9339, as KAIWA_BENCH_INSPECT)
  --delay     seconds to wait after the inspector answers, before recording (default 0)
  --seconds   seconds to record (default 10)
  --interval  sampling interval, µs (default 100)
  --top       functions listed (default 25)
  --save      also write the raw profile there (a .cpuprofile file DevTools opens)`;

async function main(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      inspect: { type: "string", default: "127.0.0.1:9339" },
      delay: { type: "string", default: "0" },
      seconds: { type: "string", default: "10" },
      interval: { type: "string", default: "100" },
      top: { type: "string", default: "25" },
      save: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const [delay, seconds, interval, top] = [
    values.delay,
    values.seconds,
    values.interval,
    values.top,
  ]
    .map(Number);
  if (![delay, seconds, interval, top].every((n) => Number.isFinite(n) && n >= 0)) {
    console.error(USAGE);
    return 2;
  }
  const session = await InspectorSession.open(await debuggerUrl(values.inspect));
  try {
    await new Promise((resolve) => setTimeout(resolve, delay * MS_PER_SECOND));
    await session.call("Profiler.enable");
    await session.call("Profiler.setSamplingInterval", { interval });
    await session.call("Profiler.start");
    await new Promise((resolve) => setTimeout(resolve, seconds * MS_PER_SECOND));
    const { profile } = await session.call<{ profile: CpuProfile }>("Profiler.stop");
    if (values.save !== undefined) await Deno.writeTextFile(values.save, JSON.stringify(profile));
    const { byFunction, byFile, total } = selfTimes(profile);
    const wall = (profile.endTime - profile.startTime) / US_PER_MS;
    const idle = byFunction.get("(idle)") ?? 0;
    console.log(
      `profile: ${wall.toFixed(0)} ms recorded, ${profile.samples.length} samples, ` +
        `busy ${((total - idle) / US_PER_MS).toFixed(0)} ms (idle excluded from shares below)`,
    );
    byFunction.delete("(idle)");
    byFile.delete("(idle)");
    console.log(
      formatTotals(`\nself time by function (top ${top})`, byFunction, total - idle, top),
    );
    console.log(formatTotals("\nself time by file", byFile, total - idle, Number.MAX_SAFE_INTEGER));
  } finally {
    session.close();
  }
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
