/**
 * Entering a room: the TCRP create or join, then a UDP socket bound to the same local address
 * the TCP connection used (the server fences the token to that IP). The port is not announced:
 * the server binds the source of our first datagram, as it sees it through any NAT.
 *
 * @module
 */

import { EVENT_FORMAT_VERSION, Operation, type RoomRequest } from "../protocol/mod.ts";
import { SealedChannel } from "../protocol/sealing.ts";
import { ClientError } from "./errors.ts";
import { requestRoom, type ServerAddress } from "./room_request.ts";

/**
 * Whether to ask for a session (sealed datagrams, docs/protocol.md §7) and what to do without one:
 * `"required"` asks and gives up when none is granted; `"preferred"` asks and falls back to plain
 * datagrams (the user allowed plaintext); `"off"` does not ask.
 */
export type SessionPolicy = "required" | "preferred" | "off";

/**
 * The policy when the entry names none: `"required"` over TLS (a server grants sessions over TLS
 * only, so the datagrams are always encrypted then), `"preferred"` over plain TCRP
 * (`--insecure-plaintext`: the user allowed plaintext).
 */
export function defaultSessionPolicy(server: ServerAddress): SessionPolicy {
  return server.tls === undefined ? "preferred" : "required";
}

/** A room entered: the token, and a UDP socket ready to talk to the server. */
export interface RoomEntry {
  /** The token the server issued. */
  token: string;
  /** Our UDP socket; the session owns and closes it. */
  socket: Deno.DatagramConn;
  /** The server's UDP address. */
  server: Deno.NetAddr;
  /** The session's channel when one was granted: every datagram is then sealed. */
  channel: SealedChannel | null;
}

/** What to enter and as whom. */
export interface EntryRequest {
  /** The room's name. */
  room: string;
  /** Our username. */
  name: string;
  /** The room password, or null. */
  password: string | null;
  /** Create the room rather than join it. */
  create: boolean;
  /** Whether to ask for a session; {@linkcode defaultSessionPolicy} when absent. */
  session?: SessionPolicy;
}

/**
 * Creates or joins the room and binds the UDP socket.
 *
 * @throws {ClientError} when the server is unreachable or refuses.
 */
export function enterRoom(server: ServerAddress, entry: EntryRequest): Promise<RoomEntry> {
  return enter(server, entry, entry.create ? Operation.CreateRoom : Operation.JoinRoom);
}

/**
 * Re-enters the room after the UDP path broke: a join that resumes `token` (§2.5), so the server
 * keeps us as the same member (a host stays host) when it still knows the token, over a new socket
 * at whatever address the TCP connection now comes from, with a fresh session (§7.1).
 *
 * @throws {ClientError} when the server is unreachable or refuses (`roomNotFound` when it no
 * longer has the room).
 */
export function rejoinRoom(
  server: ServerAddress,
  entry: EntryRequest,
  token: string,
): Promise<RoomEntry> {
  return enter(server, entry, Operation.JoinRoom, token);
}

async function enter(
  server: ServerAddress,
  entry: EntryRequest,
  operation: typeof Operation.CreateRoom | typeof Operation.JoinRoom,
  resume?: string,
): Promise<RoomEntry> {
  const request: RoomRequest = {
    username: entry.name,
    password: entry.password,
    eventFormat: EVENT_FORMAT_VERSION,
  };
  if (resume !== undefined) request.resume = resume;
  const policy = entry.session ?? defaultSessionPolicy(server);
  if (policy !== "off") request.session = true;
  const ticket = await requestRoom(server, operation, entry.room, request);
  if (ticket.session === null && policy === "required") {
    ticket.close();
    throw new ClientError(
      `The server at ${server.host}:${server.port} granted no encrypted session, and plaintext is not allowed`,
      "refused",
    );
  }
  let socket: Deno.DatagramConn;
  try {
    socket = Deno.listenDatagram({ transport: "udp", hostname: ticket.localHostname, port: 0 });
  } finally {
    // No port announcement (§2.6): behind a NAT that rewrites ports it would name a port the
    // server never sees. The session's first datagram, a ping sent at once, binds our address.
    ticket.close();
  }
  return {
    token: ticket.token,
    socket,
    server: { transport: "udp", hostname: ticket.serverHostname, port: server.port },
    channel: ticket.session === null ? null : SealedChannel.forClient(ticket.session),
  };
}
