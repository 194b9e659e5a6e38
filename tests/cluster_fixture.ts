/**
 * Real processes for the cluster tests: nats-server with JetStream (alone, or three routed into a
 * NATS cluster) and `kaiwa serve --cluster` nodes, on loopback. Every process is killed by its
 * handle's dispose; tests skip, saying why, where nats-server is not installed.
 */

import { decodeEvent, type KaiwaEvent, Status } from "../protocol/mod.ts";
import { roomRequest, tcrpRequest, type UdpClient } from "./server_helpers.ts";

/** True when nats-server is on the PATH (`.ci/run` installs it). */
export const HAVE_NATS = (() => {
  try {
    return new Deno.Command("nats-server", { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
})();

/** A cluster test's name, saying why it is skipped when it is. */
export function clusterTestName(name: string): string {
  return HAVE_NATS ? name : `${name} (skipped: nats-server is not installed)`;
}

/** Short heartbeats, so that deaths are declared within a few seconds. */
export const HEARTBEAT_SECONDS = 0.2;
/**
 * Dead after this much silence: short for the tests' sake, yet long enough that a live node
 * starved of CPU on a loaded 2-core CI machine is not declared dead by mistake.
 */
export const DEAD_AFTER_SECONDS = 3;
/** Long enough for any death or reconnection the tests wait for. */
export const CLUSTER_WAIT_MS = 15_000;

/** A free TCP port on loopback (bound, read and released). */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** Polls until `condition` holds; throws after `timeoutMs`. */
export async function eventually(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = CLUSTER_WAIT_MS,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** One running child process whose stderr lines are kept. */
class Child {
  readonly process: Deno.ChildProcess;
  readonly lines: string[] = [];
  readonly #reading: Promise<void>;
  #killed = false;
  /** True once the process ended. */
  exited = false;

  constructor(command: string, args: string[]) {
    const process = new Deno.Command(command, {
      args,
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    this.process = process;
    void process.status.then(() => this.exited = true);
    this.#reading = (async () => {
      let rest = "";
      for await (const text of process.stderr.pipeThrough(new TextDecoderStream())) {
        const parts = (rest + text).split("\n");
        rest = parts.pop() ?? "";
        this.lines.push(...parts);
      }
      if (rest !== "") this.lines.push(rest);
    })();
  }

  /**
   * Kills the process (SIGKILL by default), waits for it, and returns its exit code. One that
   * outlives another signal by {@link STOP_BOUND_MS} is killed (a hang fails its test, not the
   * suite).
   */
  async kill(signal: Deno.Signal = "SIGKILL"): Promise<number> {
    if (!this.#killed) {
      this.#killed = true;
      this.#signal(signal);
      if (signal !== "SIGKILL") {
        let timer: ReturnType<typeof setTimeout> | undefined;
        const late = new Promise<void>((resolve) => timer = setTimeout(resolve, STOP_BOUND_MS));
        await Promise.race([this.process.status, late]);
        clearTimeout(timer);
        if (!this.exited) this.#signal("SIGKILL");
      }
    }
    const { code } = await this.process.status;
    await this.#reading;
    return code;
  }

  #signal(signal: Deno.Signal): void {
    try {
      this.process.kill(signal);
    } catch {
      // Already gone.
    }
  }
}

/** How long a process may take to stop on SIGTERM before it is killed. */
const STOP_BOUND_MS = 10_000;

/** A nats-server process. */
export class NatsServer {
  readonly url: string;
  readonly port: number;
  /** Its arguments, with the port it took: a restart binds that port again. */
  readonly #args: string[];
  readonly #dir: string;
  readonly #clustered: boolean;
  #child: Child;

  private constructor(port: number, args: string[], dir: string, child: Child) {
    this.port = port;
    this.url = `nats://127.0.0.1:${port}`;
    this.#args = args;
    this.#dir = dir;
    this.#clustered = args.includes("--cluster");
    this.#child = child;
  }

  /**
   * Starts one server (JetStream on, its store in a fresh directory); `extra` adds flags. It
   * picks its client port itself (`-p -1`), read back from its log: a port probed free and bound
   * later may be taken by another process meanwhile.
   */
  static async start(extra: string[] = []): Promise<NatsServer> {
    const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "kaiwa-nats-" });
    const args = ["-a", "127.0.0.1", "-p", "-1", "-js", "-sd", dir, ...extra];
    try {
      const child = await startNats(args, args.includes("--cluster"));
      const found = child.lines.map((line) => line.match(CLIENT_PORT)).find((m) => m !== null);
      const port = Number(found![1]);
      args[args.indexOf("-p") + 1] = String(port);
      return new NatsServer(port, args, dir, child);
    } catch (error) {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
      throw error;
    }
  }

  /** The server's log lines. */
  get lines(): readonly string[] {
    return this.#child.lines;
  }

  /** Kills the server at once (SIGKILL). */
  async kill(): Promise<void> {
    await this.#child.kill();
  }

  /**
   * Kills it and starts it again, on the same port with the same store (a broker restart). The
   * port is free once the server is dead, but another process may take it for a while (a
   * connection's local port): the start is tried again until the port is free again.
   */
  async restart(): Promise<void> {
    await this.#child.kill();
    const deadline = Date.now() + CLUSTER_WAIT_MS;
    while (true) {
      try {
        this.#child = await startNats(this.#args, this.#clustered);
        return;
      } catch (error) {
        if (!(error instanceof PortTaken) || Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  /** Kills it and removes its store. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.kill();
    await Deno.remove(this.#dir, { recursive: true }).catch(() => {});
  }
}

/** The port on nats-server's "Listening for client connections on 127.0.0.1:PORT" line. */
const CLIENT_PORT = /Listening for client connections on 127\.0\.0\.1:(\d+)/;

/** nats-server could not bind a port: another process holds it. */
class PortTaken extends Error {}

/**
 * Runs nats-server with `args` until it is ready: it logged "Server is ready" and, in a NATS
 * cluster (`clustered`), that it listens for routes (which it binds after the former line). A
 * TCP probe of the client port would not do: another process may hold that port, and answer.
 *
 * @throws {PortTaken} when it exited because a port was taken; another Error, with its log,
 * when it exited otherwise or took too long.
 */
async function startNats(args: string[], clustered: boolean): Promise<Child> {
  const child = new Child("nats-server", args);
  const ready = [
    /\[INF\] Server is ready/,
    ...clustered ? [/Listening for route connections/] : [],
  ];
  try {
    await eventually(
      () => child.exited || ready.every((r) => child.lines.some((line) => r.test(line))),
      "nats-server ready",
    );
  } catch (error) {
    await child.kill();
    throw new Error(`${(error as Error).message}\n${child.lines.join("\n")}`);
  }
  if (child.exited) {
    // Its last lines are read by now.
    await child.kill();
    const log = child.lines.join("\n");
    if (log.includes("address already in use")) throw new PortTaken(log);
    throw new Error(`nats-server did not start:\n${log}`);
  }
  return child;
}

/** How many times a NATS cluster is started again when one of its route ports was taken. */
const CLUSTER_START_TRIES = 5;

/**
 * Three nats-servers routed into one NATS cluster (JetStream replicated across them). Each must
 * know the others' route ports before any starts, so they are probed free beforehand; should
 * another process take one meanwhile, the whole cluster is started again on new ports.
 */
export async function startNatsCluster(): Promise<NatsServer[]> {
  for (let attempt = 1;; attempt++) {
    const routes = [freePort(), freePort(), freePort()];
    const routeList = routes.map((port) => `nats://127.0.0.1:${port}`).join(",");
    const started = await Promise.allSettled(routes.map((routePort, i) =>
      NatsServer.start([
        "-n",
        `s${i + 1}`,
        "--cluster_name",
        "kaiwa-test",
        "--cluster",
        `nats://127.0.0.1:${routePort}`,
        "--routes",
        routeList,
      ])
    ));
    const failed = started.find((result) => result.status === "rejected");
    if (failed === undefined) {
      return started.map((result) => (result as PromiseFulfilledResult<NatsServer>).value);
    }
    for (const result of started) {
      if (result.status === "fulfilled") await result.value[Symbol.asyncDispose]();
    }
    if (!(failed.reason instanceof PortTaken) || attempt === CLUSTER_START_TRIES) {
      throw failed.reason;
    }
  }
}

/** The TCP port on the "listening on tcp+udp 127.0.0.1:PORT" line. */
const LISTENING_PORT = /listening on tcp\+udp 127\.0\.0\.1:(\d+)/;
const METRICS_PORT = /metrics on http:\/\/127\.0\.0\.1:(\d+)\/metrics/;

/** The value of the unlabelled metric `name` in a Prometheus text exposition; NaN when absent. */
export function metricValue(exposition: string, name: string): number {
  const line = exposition.split("\n").find((line) => line.startsWith(`${name} `));
  return line === undefined ? NaN : Number(line.slice(name.length + 1));
}

/** A `kaiwa serve --cluster` process. */
export class KaiwaNode {
  readonly id: string;
  readonly #child: Child;
  readonly #dir: string;
  #port = 0;

  private constructor(id: string, child: Child, dir: string) {
    this.id = id;
    this.#child = child;
    this.#dir = dir;
  }

  /**
   * Starts node `id` on `servers` and waits for its listening line (a NATS cluster that just
   * started takes some seconds to elect its JetStream leaders: `waitMs` covers it).
   */
  static async start(
    id: string,
    servers: readonly string[],
    extra: string[] = [],
    waitMs = CLUSTER_WAIT_MS,
  ): Promise<KaiwaNode> {
    const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "kaiwa-node-" });
    const main = new URL("../main.ts", import.meta.url).pathname;
    const child = new Child(Deno.execPath(), [
      "run",
      "--allow-net",
      "--allow-env",
      "--allow-read",
      "--allow-write",
      "--allow-ffi",
      main,
      "serve",
      "--host",
      "127.0.0.1",
      "--port",
      "0",
      "--data-dir",
      dir,
      "--verbose",
      "--cluster",
      servers.join(","),
      "--node-id",
      id,
      "--cluster-heartbeat",
      String(HEARTBEAT_SECONDS),
      "--cluster-dead-after",
      String(DEAD_AFTER_SECONDS),
      ...extra,
    ]);
    const node = new KaiwaNode(id, child, dir);
    try {
      await eventually(
        () => {
          const found = child.lines.map((line) => line.match(LISTENING_PORT)).find((m) =>
            m !== null
          );
          if (found) node.#port = Number(found[1]);
          return found !== undefined || child.exited;
        },
        `node ${id} listening`,
        waitMs,
      );
    } catch (error) {
      await node[Symbol.asyncDispose]();
      throw new Error(`${(error as Error).message}\n${child.lines.join("\n")}`);
    }
    if (node.#port === 0) {
      await node[Symbol.asyncDispose]();
      throw new Error(`node ${id} did not start:\n${child.lines.join("\n")}`);
    }
    return node;
  }

  /** Its TCP (and UDP) port. */
  get port(): number {
    return this.#port;
  }

  /** Its UDP address, for clients. */
  get udp(): Deno.NetAddr {
    return { transport: "udp", hostname: "127.0.0.1", port: this.#port };
  }

  /** Its log lines. */
  get lines(): readonly string[] {
    return this.#child.lines;
  }

  /** Sends it `signal` without waiting (SIGSTOP and SIGCONT stall and resume it). */
  signal(signal: Deno.Signal): void {
    this.#child.process.kill(signal);
  }

  /** The fingerprint of its TLS certificate (`SHA256:…`), from its listening line. */
  get fingerprint(): string {
    const line = this.#child.lines.find((line) => line.includes("listening on"));
    const found = line?.match(/TLS (SHA256:[A-Za-z0-9+/=]+)/);
    if (!found) throw new Error(`node ${this.id} printed no fingerprint`);
    return found[1];
  }

  /** The port of the NATS server it is connected to now, from its log. */
  get natsPort(): number {
    const ports = this.#child.lines.map((line) =>
      line.match(/cluster: (?:node \S+ joined through|reconnected to) nats [^:]+:(\d+)/)
    ).filter((match) => match !== null);
    return Number(ports.at(-1)?.[1] ?? 0);
  }

  /**
   * GETs `path` (`/metrics`, `/healthz`) from its metrics endpoint, which it must have been
   * started with (`--metrics-port 0`): the HTTP status and the body.
   */
  async httpGet(path: string): Promise<{ status: number; body: string }> {
    const found = this.#child.lines.map((line) => line.match(METRICS_PORT)).find((m) => m !== null);
    if (!found) throw new Error(`node ${this.id} printed no metrics port`);
    const response = await fetch(`http://127.0.0.1:${found[1]}${path}`);
    return { status: response.status, body: await response.text() };
  }

  /** Kills it (SIGKILL: no goodbye) or stops it (SIGTERM). */
  kill(signal: Deno.Signal = "SIGKILL"): Promise<number> {
    return this.#child.kill(signal);
  }

  /** Kills it and removes its data directory. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.kill();
    await Deno.remove(this.#dir, { recursive: true }).catch(() => {});
  }
}

/** The next event of `client` that `wanted` accepts, skipping others; throws after the wait. */
export async function untilEvent(
  client: UdpClient,
  wanted: (event: KaiwaEvent) => boolean,
  what: string,
  timeoutMs = CLUSTER_WAIT_MS,
): Promise<KaiwaEvent> {
  const deadline = Date.now() + timeoutMs;
  const seen: string[] = [];
  while (Date.now() < deadline) {
    const bytes = await client.receive(Math.max(1, deadline - Date.now()));
    if (bytes === null) break;
    const event = decodeEvent(bytes);
    if (wanted(event)) return event;
    seen.push(event.type);
  }
  throw new Error(`No ${what} arrived (saw: ${seen.join(", ")})`);
}

/** The next text datagram of `client` containing `part`, skipping others. */
export async function untilText(
  client: UdpClient,
  part: string,
  timeoutMs = CLUSTER_WAIT_MS,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  const seen: string[] = [];
  while (Date.now() < deadline) {
    const bytes = await client.receive(Math.max(1, deadline - Date.now()));
    if (bytes === null) break;
    const text = new TextDecoder().decode(bytes);
    if (text.includes(part)) return text;
    seen.push(text);
  }
  throw new Error(`No text with "${part}" arrived (saw: ${JSON.stringify(seen)})`);
}

/**
 * Creates or joins `room` on `node` as `name` (a standard client unless `kaiwa`) and sends the
 * keep-alive that binds the client's address; returns the token, or throws with the status.
 */
export async function enterOn(
  node: KaiwaNode,
  client: UdpClient,
  operation: number,
  room: string,
  name: string,
  options: { kaiwa?: boolean; password?: string } = {},
): Promise<string> {
  const answer = await tcrpRequest(node.port, operation, room, roomRequest(name, options));
  if (answer.status !== Status.Ok || answer.token === null) {
    throw new Error(`${name} cannot enter ${room} on ${node.id}: status ${answer.status}`);
  }
  await client.send(node.udp, room, answer.token, new Uint8Array(0));
  return answer.token;
}

/**
 * A TCP proxy in front of a NATS server that can be cut and restored: the node behind it is
 * partitioned from the broker (its connections reset, new ones closed at once) and comes back.
 */
export class CuttableProxy {
  readonly port: number;
  readonly url: string;
  readonly #listener: Deno.TcpListener;
  readonly #target: number;
  readonly #open = new Set<Deno.Conn>();
  readonly #accepting: Promise<void>;
  readonly #piping = new Set<Promise<void>>();
  #cut = false;

  /** Proxies a new loopback port to `targetPort`. */
  constructor(targetPort: number) {
    this.#listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    this.port = (this.#listener.addr as Deno.NetAddr).port;
    this.url = `nats://127.0.0.1:${this.port}`;
    this.#target = targetPort;
    this.#accepting = this.#accept();
  }

  async #accept(): Promise<void> {
    for await (const conn of this.#listener) {
      if (this.#cut) {
        conn.close();
        continue;
      }
      const piping = this.#pipe(conn);
      this.#piping.add(piping);
      void piping.finally(() => this.#piping.delete(piping));
    }
  }

  async #pipe(client: Deno.Conn): Promise<void> {
    let server: Deno.Conn;
    try {
      server = await Deno.connect({ hostname: "127.0.0.1", port: this.#target });
    } catch {
      client.close();
      return;
    }
    this.#open.add(client);
    this.#open.add(server);
    const copy = async (from: Deno.Conn, to: Deno.Conn) => {
      const buffer = new Uint8Array(64 * 1024);
      try {
        while (true) {
          const n = await from.read(buffer);
          if (n === null) break;
          let written = 0;
          while (written < n) written += await to.write(buffer.subarray(written, n));
        }
      } catch {
        // Cut, or the other side went.
      }
      for (const conn of [from, to]) {
        if (this.#open.delete(conn)) conn.close();
      }
    };
    await Promise.all([copy(client, server), copy(server, client)]);
  }

  /** Cuts every connection and refuses new ones until {@link restore}. */
  cut(): void {
    this.#cut = true;
    for (const conn of this.#open) conn.close();
    this.#open.clear();
  }

  /** Lets connections through again. */
  restore(): void {
    this.#cut = false;
  }

  /** Closes everything. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.cut();
    this.#listener.close();
    await this.#accepting.catch(() => {});
    await Promise.all([...this.#piping]);
  }
}
