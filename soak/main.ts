/**
 * The soak (not part of the test suite): a `kaiwa serve` process under a long, realistic load
 * with some garbage on the side, reporting loss, memory, drops and faults, plus the join latency
 * under 300 stalled connections, the heap around 100,000 state cycles, the shutdown notices,
 * and a client's end when its server is killed and restarted.
 *
 * ```sh
 * deno run -A --v8-flags=--expose-gc soak/main.ts [--members 1000] [--minutes 10] [--quick]
 * ```
 *
 * `-A` because Deno reads another process's `/proc/PID/status` only with every permission.
 *
 * `--quick` is 100 members for 20 seconds. Everything stops by itself.
 *
 * @module
 */

import net from "node:net";
import { parseArgs } from "node:util";
import { requestRoom } from "../client/mod.ts";
import { Operation } from "../protocol/mod.ts";
import { SoakMember } from "./members.ts";
import { ServerProcess } from "../bench/server_process.ts";
import { cycleState, runStateCycles } from "./state_cycles.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;
const ROOM_SIZE = 10;
/** Each member says something this often. */
const MESSAGE_INTERVAL_MS = 5_000;
const TICK_MS = 50;
/** Garbage datagrams per second, from another host, all the while. */
const GARBAGE_PER_SECOND = 200;
const STALLED = 300;
const STALLED_PER_HOST = 30;
const LATENCY_SAMPLES = 50;
const STATE_CYCLES = 100_000;
const WARM_UP_CYCLES = 2_000;
/** Longer than any request bucket takes to refill. */
const IDLE_MS = 60_000;
const SETTLE_MS = 3_000;
/** Rooms joined at once: 5 × 10 connections stay under the per-IP cap of 64. */
const JOIN_PARALLEL = 5;
/** The client's silence limit is 15 s; it must have ended well before this. */
const RESTART_WAIT_MS = 30_000;
const SERVER_FLAGS = ["--join-rate", "0", "--max-connections-per-ip", "64"];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const report = (line: string) => console.log(`soak: ${line}`);
const KIB = 1024;

/** The server's resident memory in KiB, or null when it cannot be read. */
async function rssKiB(server: ServerProcess): Promise<number | null> {
  const bytes = await server.residentBytes();
  return bytes === null ? null : Math.round(bytes / KIB);
}

function options() {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      members: { type: "string", default: "1000" },
      minutes: { type: "string", default: "10" },
      quick: { type: "boolean", default: false },
    },
  });
  return values.quick ? { members: 100, durationMs: 20_000, sampleMs: 5_000 } : {
    members: Number(values.members),
    durationMs: Number(values.minutes) * 60_000,
    sampleMs: 30_000,
  };
}

/**
 * Heap used before and after the cycles, each after a full collection when gc is exposed. A
 * warm-up first, so that compiled code and the state's first allocations count as the start;
 * a sweep at the end, as the server's timer would run one within a second.
 */
function heapAroundCycles(): string {
  const gc = (globalThis as { gc?: () => void }).gc;
  const { state } = cycleState();
  let now = runStateCycles(state, WARM_UP_CYCLES);
  state.sweep(now + IDLE_MS);
  gc?.();
  const before = Deno.memoryUsage().heapUsed;
  now = runStateCycles(state, STATE_CYCLES, now + IDLE_MS);
  state.sweep(now + IDLE_MS);
  gc?.();
  const after = Deno.memoryUsage().heapUsed;
  const change = ((after - before) / before * 100).toFixed(1);
  const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;
  return `heap ${kib(before)} before ${STATE_CYCLES} state cycles, ${
    kib(after)
  } after (${change}%)${
    gc ? "" : " [no --expose-gc: not collected]"
  }; left: ${state.rooms.size} rooms, ${state.memberCount} members, ${state.trackedRequestIps} tracked IPs`;
}

/** Milliseconds from connecting to holding a token, for a create of `room`. */
async function timedCreate(port: number, room: string): Promise<number> {
  const start = performance.now();
  const ticket = await requestRoom({ host: "127.0.0.1", port }, Operation.CreateRoom, room, {
    username: "lat",
    password: null,
    eventFormat: 0,
  });
  ticket.close();
  return performance.now() - start;
}

function summary(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return `median ${at(0.5).toFixed(2)} ms, p99 ${at(0.99).toFixed(2)} ms, max ${
    sorted[sorted.length - 1].toFixed(2)
  } ms`;
}

async function joinLatency(server: ServerProcess): Promise<void> {
  const quiet: number[] = [];
  for (let i = 0; i < LATENCY_SAMPLES; i++) quiet.push(await timedCreate(server.port, `q${i}`));
  report(`join latency, idle server: ${summary(quiet)}`);
  const stalled: net.Socket[] = [];
  for (let i = 0; i < STALLED; i++) {
    const localAddress = `127.0.0.${2 + Math.floor(i / STALLED_PER_HOST)}`;
    const socket = net.connect({ host: "127.0.0.1", port: server.port, localAddress });
    socket.on("error", () => {});
    await new Promise((resolve) => socket.once("connect", resolve));
    socket.write(new Uint8Array(10));
    stalled.push(socket);
  }
  const loaded: number[] = [];
  for (let i = 0; i < LATENCY_SAMPLES; i++) loaded.push(await timedCreate(server.port, `s${i}`));
  const open = stalled.filter((socket) => !socket.destroyed && !socket.readableEnded).length;
  report(`join latency, ${STALLED} stalled connections (${open} still open): ${summary(loaded)}`);
  const closed = stalled.map((socket) => new Promise((resolve) => socket.once("close", resolve)));
  await Promise.all(closed);
  report(`the ${STALLED} stalled connections were all closed by the server's request deadline`);
}

async function chat(server: ServerProcess, count: number, durationMs: number, sampleMs: number) {
  const members: SoakMember[] = [];
  for (let i = 0; i < count; i++) {
    members.push(new SoakMember(i, `room-${Math.floor(i / ROOM_SIZE)}`));
  }
  const joinStart = performance.now();
  for (let first = 0; first < count; first += ROOM_SIZE * JOIN_PARALLEL) {
    const hosts = members.slice(first, first + ROOM_SIZE * JOIN_PARALLEL)
      .filter((member) => member.index % ROOM_SIZE === 0);
    await Promise.all(hosts.map(async (host) => {
      await host.enter(server.port, true);
      const rest = members.slice(host.index + 1, Math.min(count, host.index + ROOM_SIZE));
      await Promise.all(rest.map((member) => member.enter(server.port, false)));
    }));
  }
  report(
    `${count} members in ${Math.ceil(count / ROOM_SIZE)} rooms joined in ${
      ((performance.now() - joinStart) / 1000).toFixed(1)
    } s`,
  );
  const garbage = Deno.listenDatagram({ hostname: "127.0.0.2", port: 0, transport: "udp" });
  const target: Deno.NetAddr = { transport: "udp", hostname: "127.0.0.1", port: server.port };
  let garbageSent = 0;
  const start = performance.now();
  let nextSample = 0;
  const rss: string[] = [];
  while (performance.now() - start < durationMs) {
    const elapsed = performance.now() - start;
    if (elapsed >= nextSample) {
      rss.push(`${(elapsed / 1000).toFixed(0)}s ${(await rssKiB(server)) ?? "?"} KiB`);
      nextSample += sampleMs;
    }
    const sends: Promise<void>[] = [];
    for (const member of members) {
      const offset = (member.index * MESSAGE_INTERVAL_MS) / count;
      const due = Math.floor((elapsed - offset) / MESSAGE_INTERVAL_MS) + 1;
      if (due > member.sent) sends.push(member.say());
    }
    const garbageDue = Math.floor(elapsed / 1000 * GARBAGE_PER_SECOND);
    for (; garbageSent < garbageDue; garbageSent++) {
      const bytes = crypto.getRandomValues(new Uint8Array(1 + (garbageSent % 200)));
      sends.push(garbage.send(bytes, target).then(() => {}));
    }
    await Promise.all(sends);
    await sleep(TICK_MS);
  }
  await sleep(SETTLE_MS);
  rss.push(`end ${(await rssKiB(server)) ?? "?"} KiB`);
  garbage.close();
  let expected = 0;
  let received = 0;
  let disorder = 0;
  let sent = 0;
  for (const member of members) {
    const roomSize = Math.min(ROOM_SIZE, count - member.index + (member.index % ROOM_SIZE));
    expected += member.sent * (roomSize - 1 + (member.kaiwa ? 1 : 0));
    received += member.received;
    disorder += member.disorder;
    sent += member.sent;
  }
  report(`server memory (VmRSS) over time: ${rss.join(", ")}`);
  report(
    `${sent} messages sent, ${expected} deliveries expected, ${received} received: ${
      expected - received
    } lost (${
      ((expected - received) / expected * 100).toFixed(4)
    }%), ${disorder} out of order or twice; ${garbageSent} garbage datagrams sent`,
  );
  return members;
}

async function shutdownWithMembers(server: ServerProcess, members: SoakMember[]): Promise<void> {
  const { code } = await server.stop("SIGTERM");
  await sleep(500);
  const told = members.filter((member) => member.toldShutdown).length;
  await Promise.all(members.map((member) => member.close()));
  report(`SIGTERM: exit ${code}; ${told} of ${members.length} members got the shutdown notice`);
  const stopped = server.log.find((line) => line.includes("stopped;"));
  const faults = server.log.filter((line) => line.includes("fault in"));
  report(`server's last word: ${stopped ?? "(none)"}; ${faults.length} fault lines logged`);
}

async function restartedServer(): Promise<void> {
  const first = await ServerProcess.start();
  const client = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-net", "--allow-env", MAIN, "join", "soak-restart", "--name", "x"]
      .concat(["--create", "--host", "127.0.0.1", "--port", String(first.port)]),
    stdin: "piped",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(client.stderr).text();
  while (!first.log.some((line) => line.includes('room "soak-restart" created'))) await sleep(20);
  await first.stop("SIGKILL");
  const second = await ServerProcess.start({ port: first.port });
  const killedAt = performance.now();
  const status = await Promise.race([client.status, sleep(RESTART_WAIT_MS).then(() => null)]);
  if (status === null) client.kill("SIGKILL");
  const end = status ?? await client.status;
  await client.stdin.close().catch(() => {});
  report(
    `server killed and restarted: the client ${
      status === null ? "hung and was killed" : `exited with code ${end.code}`
    } ${((performance.now() - killedAt) / 1000).toFixed(1)} s after the kill; stderr: ${
      (await stderr).trim()
    }`,
  );
  await second.stop("SIGTERM");
}

async function main(): Promise<void> {
  const { members, durationMs, sampleMs } = options();
  report(
    `${members} members, ${durationMs / 1000} s of chat; ${navigator.hardwareConcurrency} cores`,
  );
  report(heapAroundCycles());
  const server = await ServerProcess.start({ flags: SERVER_FLAGS });
  report(`server pid ${server.pid} on port ${server.port}; VmRSS ${await rssKiB(server)} KiB`);

  await joinLatency(server);
  const chatting = await chat(server, members, durationMs, sampleMs);
  await shutdownWithMembers(server, chatting);
  await restartedServer();
}

if (import.meta.main) await main();
