/**
 * Scenario (d): how fast members join, how long a big room takes to fill with everyone told of
 * the arrivals, and how much server memory each member costs.
 *
 * @module
 */

import { type ScenarioContext, withServer } from "./chat_scenarios.ts";
import { ClientPool } from "./client_pool.ts";
import { nowMicros } from "./message_text.ts";
import { fillRooms, type RoomLayout } from "./rooms.ts";
import { BENCH_HOST, type ServerProcess } from "./server_process.ts";
import { MS_PER_SECOND } from "../util/mod.ts";

/** Join notices are over once nothing arrived for this long. */
const NOTICE_QUIET_MS = 500;
/** Time the server gets after a fill before its memory is read. */
const MEMORY_SETTLE_MS = 1_000;
const US_PER_MS = 1000;
const MIB = 1024 * 1024;

function seconds(ms: number): string {
  return `${(ms / MS_PER_SECOND).toFixed(2)} s`;
}

/** Joins per second while filling (c)'s layout, every member with its own socket. */
async function joinRate(ctx: ScenarioContext, server: ServerProcess): Promise<void> {
  const { sizes } = ctx;
  const layout: RoomLayout = {
    prefix: "joins",
    rooms: sizes.smallRooms,
    roomSize: sizes.smallRoomSize,
  };
  const members = layout.rooms * layout.roomSize;
  const pool = await ClientPool.open(members, ctx.workers, BENCH_HOST, server.port);
  try {
    const fill = await fillRooms(BENCH_HOST, server.port, layout, pool);
    ctx.addRow({
      scenario: `d joins ${layout.rooms} x ${layout.roomSize}`,
      joinsPerSecond: fill.joinsPerSecond,
      note: `${members} creates and joins in ${seconds(fill.elapsedMs)}`,
    });
  } finally {
    await pool.close();
  }
}

/**
 * Pairs of members of which neither was told of the other's arrival. Each arrival must be
 * announced to the members already there, so every pair is covered by at least one side (a
 * standard client is never told who was there before it).
 */
function untoldPairs(heard: readonly Uint8Array[]): { pairs: number; members: number } {
  let pairs = 0;
  const members = new Set<number>();
  for (let i = 0; i < heard.length; i++) {
    for (let j = i + 1; j < heard.length; j++) {
      if (heard[i][j] === 0 && heard[j][i] === 0) {
        pairs++;
        members.add(i).add(j);
      }
    }
  }
  return { pairs, members: members.size };
}

/**
 * Fills one room of `fillRoom` members as fast as possible and waits until the join notices
 * stop; the row says when the last notice arrived and whether every arrival was announced.
 */
async function bigFill(ctx: ScenarioContext, server: ServerProcess): Promise<void> {
  const { sizes } = ctx;
  const layout: RoomLayout = { prefix: "fill", rooms: 1, roomSize: sizes.fillRoom };
  const n = sizes.fillRoom;
  const pool = await ClientPool.open(n, ctx.workers, BENCH_HOST, server.port, n);
  try {
    const start = nowMicros();
    const fill = await fillRooms(BENCH_HOST, server.port, layout, pool);
    await pool.waitQuiet(NOTICE_QUIET_MS, sizes.drainMs);
    const report = await pool.report();
    const untold = untoldPairs(report.heard);
    const pairs = (n * (n - 1)) / 2;
    const lastNotice = Math.max(...report.lastJoinedMicros);
    ctx.figures.dFillJoins = fill.joinsPerSecond;
    ctx.figures.dEveryoneTold = untold.pairs === 0;
    ctx.addRow({
      scenario: `d fill 1 x ${n}`,
      joinsPerSecond: fill.joinsPerSecond,
      note: [
        `filled in ${seconds(fill.elapsedMs)}`,
        `last join notice at ${seconds((lastNotice - start) / US_PER_MS)}`,
        untold.pairs === 0
          ? `all ${pairs} pairs told`
          : `NOT everyone told: ${untold.pairs} of ${pairs} pairs untold, ` +
            `among ${untold.members} members`,
      ].join("; "),
    });
  } finally {
    await pool.close();
  }
}

/**
 * Server memory per member with `memoryMembers` members that have no UDP address, measured on
 * a fresh server so that the garbage of the other scenarios neither inflates nor hides it.
 */
async function memory(ctx: ScenarioContext): Promise<void> {
  const { sizes } = ctx;
  const layout: RoomLayout = {
    prefix: "memory",
    rooms: Math.ceil(sizes.memoryMembers / sizes.smallRoomSize),
    roomSize: sizes.smallRoomSize,
  };
  const members = layout.rooms * layout.roomSize;
  await withServer(ctx, true, async (server) => {
    const before = await server.residentBytes();
    const fill = await fillRooms(BENCH_HOST, server.port, layout, null);
    await new Promise((resolve) => setTimeout(resolve, MEMORY_SETTLE_MS));
    const after = await server.residentBytes();
    const grown = before === null || after === null ? undefined : after - before;
    ctx.figures.rssPerMemberBytes = grown === undefined ? null : grown / members;
    ctx.addRow({
      scenario: `d memory ${members.toLocaleString("en-US")}`,
      joinsPerSecond: fill.joinsPerSecond,
      rssPerMember: grown === undefined ? undefined : grown / members,
      note: grown === undefined
        ? "RSS unavailable (no /proc)"
        : `fresh server, RSS ${(before! / MIB).toFixed(1)} -> ${(after! / MIB).toFixed(1)} MiB; ` +
          `rooms of ${layout.roomSize}, no UDP address`,
      serverRss: after,
    });
  });
}

/**
 * (d): join rate, big-room fill with notices (a reference relay is asked for its join notices),
 * memory per member on a fresh server.
 */
export async function runJoins(ctx: ScenarioContext): Promise<void> {
  await withServer(ctx, true, async (server) => {
    await joinRate(ctx, server);
    await bigFill(ctx, server);
  });
  await memory(ctx);
}
