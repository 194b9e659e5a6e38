/**
 * Filling rooms with the pool's members over TCRP.
 *
 * Member `m` of a fill is member `m % roomSize` of room `m / roomSize`; the first member of each
 * room creates it (and is its host), the others join once every room exists.
 *
 * @module
 */

import type { ClientPool } from "./client_pool.ts";
import { memberName } from "./message_text.ts";
import {
  type JoinRequest,
  type JoinSecurity,
  type JoinTicket,
  requestTokens,
} from "./tcrp_client.ts";
import { MS_PER_SECOND } from "../util/mod.ts";

/** Connections open at once while filling: enough to keep the server busy. */
const JOIN_CONCURRENCY = 32;

/** Which rooms a fill makes. */
export interface RoomLayout {
  /** Room names are this prefix and the room number. */
  readonly prefix: string;
  /** Number of rooms. */
  readonly rooms: number;
  /** Members per room. */
  readonly roomSize: number;
}

/** How a fill went. */
export interface FillResult {
  /** Each member's token (and session, when encrypted), by member index. */
  readonly tickets: JoinTicket[];
  /** From the first request to the last token, ms. */
  readonly elapsedMs: number;
  /** Creates and joins per second. */
  readonly joinsPerSecond: number;
}

/** The name of room `r`. */
function roomName(layout: RoomLayout, r: number): string {
  return `${layout.prefix}${r}`;
}

function requests(
  layout: RoomLayout,
  ports: readonly number[] | null,
  serverPort: ((member: number) => number) | undefined,
): JoinRequest[] {
  const list: JoinRequest[] = [];
  for (let m = 0; m < layout.rooms * layout.roomSize; m++) {
    const k = m % layout.roomSize;
    list.push({
      create: k === 0,
      roomName: roomName(layout, m / layout.roomSize | 0),
      username: memberName(k),
      udpPort: ports === null ? null : ports[m],
      ...(serverPort === undefined ? {} : { port: serverPort(m) }),
    });
  }
  return list;
}

/**
 * Creates and fills the rooms of `layout`. With a pool, members announce their sockets' ports
 * and get their tokens (and sessions) registered for sending; without one (`ports` null) they
 * announce no port, so the server never sends to them: members that only occupy memory. With
 * `security`, members enter as kaiwa clients with sessions, over TLS.
 * Member `m` asks `serverPort(m)` when it is given (its node of a cluster), else `port`.
 */
export async function fillRooms(
  host: string,
  port: number,
  layout: RoomLayout,
  pool: ClientPool | null,
  security: JoinSecurity | null = null,
  serverPort?: (member: number) => number,
): Promise<FillResult> {
  const all = requests(layout, pool === null ? null : pool.ports, serverPort);
  const creates = all.filter((request) => request.create);
  const joins = all.filter((request) => !request.create);
  const start = performance.now();
  const hostTickets = await requestTokens(host, port, creates, JOIN_CONCURRENCY, security);
  const joinTickets = await requestTokens(host, port, joins, JOIN_CONCURRENCY, security);
  const elapsedMs = performance.now() - start;
  const tickets: JoinTicket[] = [];
  let h = 0;
  let j = 0;
  for (const request of all) tickets.push(request.create ? hostTickets[h++] : joinTickets[j++]);
  if (pool !== null) {
    await pool.register(
      tickets.map(({ token, session }, member) => ({
        member,
        roomName: all[member].roomName,
        token,
        session,
      })),
    );
  }
  return { tickets, elapsedMs, joinsPerSecond: (all.length * MS_PER_SECOND) / elapsedMs };
}
