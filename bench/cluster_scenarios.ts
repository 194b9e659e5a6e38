/**
 * Scenario (e): the cost of a cluster (docs/cluster.md). The fan-out and many-rooms loads run on
 * one fresh node, as the other scenarios do, then with the same members spread over two
 * `kaiwa serve --cluster` nodes on one nats-server, in the same run: the latency the remote hop
 * adds (p50, p99), the nodes' CPU together, and the broker's. On one 2-core machine this shows
 * cost, not scale: every process shares the same cores.
 *
 * @module
 */

import { inRooms, type Placement, type ScenarioContext, withRooms } from "./chat_scenarios.ts";
import { type MeasuredServer, measureStep, type StepContext } from "./chat_step.ts";
import { cpuSeconds } from "./proc_stats.ts";
import type { RoomLayout } from "./rooms.ts";
import { BENCH_HOST, type ServerProcess } from "./server_process.ts";

/** How long nats-server has to accept connections. */
const NATS_START_MS = 10_000;

/**
 * Where each run's broker keeps its JetStream store: a fresh folder, removed when the broker
 * stops. A store reused across runs carried every earlier run's registry, and one that a killed
 * run left behind made nats-server 2.9 answer "no such key" for a key just created (the room was
 * created on one node and not found on the other).
 */
const NATS_STORE_PARENT = "/tmp";

/** A nats-server with JetStream on a free port. */
class NatsProcess {
  readonly port: number;
  readonly #child: Deno.ChildProcess;

  readonly #store: string;

  private constructor(port: number, child: Deno.ChildProcess, store: string) {
    this.port = port;
    this.#child = child;
    this.#store = store;
  }

  /** Starts one and waits until it accepts connections. */
  static async start(): Promise<NatsProcess> {
    const listener = Deno.listen({ hostname: BENCH_HOST, port: 0 });
    const port = (listener.addr as Deno.NetAddr).port;
    listener.close();
    const dir = await Deno.makeTempDir({ dir: NATS_STORE_PARENT, prefix: "kaiwa-bench-nats-" });
    const child = new Deno.Command("nats-server", {
      args: ["-a", BENCH_HOST, "-p", String(port), "-js", "-sd", dir],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    const nats = new NatsProcess(port, child, dir);
    const deadline = Date.now() + NATS_START_MS;
    while (true) {
      try {
        (await Deno.connect({ hostname: BENCH_HOST, port })).close();
        return nats;
      } catch (error) {
        if (Date.now() > deadline) {
          await nats.stop();
          throw error;
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  }

  /** The server's URL. */
  get url(): string {
    return `nats://${BENCH_HOST}:${this.port}`;
  }

  /** CPU seconds it used so far. */
  cpuSeconds(): Promise<number | null> {
    return cpuSeconds(this.#child.pid);
  }

  /** Stops it and removes its store. */
  async stop(): Promise<void> {
    try {
      this.#child.kill("SIGTERM");
    } catch {
      // Already gone.
    }
    await this.#child.status;
    await Deno.remove(this.#store, { recursive: true });
  }
}

/** True when nats-server can be run. */
function haveNats(): boolean {
  try {
    return new Deno.Command("nats-server", { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

/** The two nodes as one server for the step's measures, the broker's CPU apart. */
function clusterServer(a: ServerProcess, b: ServerProcess, nats: NatsProcess): MeasuredServer {
  const sum = async (read: (node: ServerProcess) => Promise<number | null>) => {
    const [x, y] = [await read(a), await read(b)];
    return x === null || y === null ? null : x + y;
  };
  return {
    port: a.port,
    ports: [a.port, b.port],
    cpuSeconds: () => sum((node) => node.cpuSeconds()),
    residentBytes: () => sum((node) => node.residentBytes()),
    broker: nats,
  };
}

/**
 * (e) fan-out: one room of `bigRoom` members at the first rate of (b); many rooms: the rooms of
 * (c) at the first rate of (c). Each on one node, then over two nodes: half the members on each
 * (rooms' hosts alternating), and, for the fan-out, every member but the host on the other node
 * (each message crosses the broker twice: to the owner and back). kaiwa only, standard clients.
 */
export async function runCluster(ctx: ScenarioContext): Promise<void> {
  const startNode = ctx.contender.startWith;
  if (startNode === undefined) return;
  if (!haveNats()) {
    ctx.addRow({ scenario: "e cluster", note: "skipped: nats-server is not installed" });
    return;
  }
  const { sizes } = ctx;
  const fanOut: RoomLayout = { prefix: "efan-", rooms: 1, roomSize: sizes.bigRoom };
  const rooms: RoomLayout = {
    prefix: "erooms-",
    rooms: sizes.smallRooms,
    roomSize: sizes.smallRoomSize,
  };
  const fanRate = sizes.bRamp.start;
  const roomsRate = sizes.cRamp.start;
  const measure = (label: string, rate: number) => async (step: StepContext) => {
    ctx.addRow((await measureStep(step, label, rate)).row);
  };
  const fanLabel = `e fan-out 1x${sizes.bigRoom}`;
  const roomsLabel = `e ${sizes.smallRooms} rooms x${sizes.smallRoomSize}`;
  await withRooms(ctx, fanOut, measure(`${fanLabel}, 1 node`, fanRate));
  await withRooms(ctx, rooms, measure(`${roomsLabel}, 1 node`, roomsRate));

  const nats = await NatsProcess.start();
  const nodes: ServerProcess[] = [];
  try {
    for (const id of ["a", "b"]) {
      nodes.push(await startNode(["--cluster", nats.url, "--node-id", id]));
    }
    const [a, b] = nodes;
    const server = clusterServer(a, b, nats);
    const half: Placement = { server, portOf: (m) => m % 2 === 0 ? a.port : b.port };
    const remote: Placement = { server, portOf: (m) => m === 0 ? a.port : b.port };
    const spread: Placement = {
      server,
      // Member k of room r: room hosts alternate between the nodes, and so do members.
      portOf: (m) => {
        const r = m / rooms.roomSize | 0;
        return (r + m % rooms.roomSize) % 2 === 0 ? a.port : b.port;
      },
    };
    await inRooms(ctx, fanOut, half, null, measure(`${fanLabel}, 2 nodes, half remote`, fanRate));
    // Fresh rooms for the next placement: the last ones stay until their nodes stop.
    const again = { ...fanOut, prefix: `${fanOut.prefix}2-` };
    await inRooms(ctx, again, remote, null, measure(`${fanLabel}, 2 nodes, all remote`, fanRate));
    await inRooms(
      ctx,
      rooms,
      spread,
      null,
      measure(`${roomsLabel}, 2 nodes, half remote`, roomsRate),
    );
  } finally {
    for (const node of nodes) await node.stop();
    await nats.stop();
  }
}
