/**
 * Entering a room: the TCRP create or join, then a UDP socket bound to the same local address
 * the TCP connection used (the server fences the token to that IP). The port is not announced:
 * the server binds the source of our first datagram, as it sees it through any NAT.
 *
 * @module
 */

import { EVENT_FORMAT_VERSION, Operation } from "../protocol/mod.ts";
import { requestRoom, type ServerAddress } from "./room_request.ts";

/** A room entered: the token, and a UDP socket ready to talk to the server. */
export interface RoomEntry {
  /** The token the server issued. */
  token: string;
  /** Our UDP socket; the session owns and closes it. */
  socket: Deno.DatagramConn;
  /** The server's UDP address. */
  server: Deno.NetAddr;
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
}

/**
 * Creates or joins the room and binds the UDP socket.
 *
 * @throws {ClientError} when the server is unreachable or refuses.
 */
export async function enterRoom(server: ServerAddress, entry: EntryRequest): Promise<RoomEntry> {
  const ticket = await requestRoom(
    server,
    entry.create ? Operation.CreateRoom : Operation.JoinRoom,
    entry.room,
    { username: entry.name, password: entry.password, eventFormat: EVENT_FORMAT_VERSION },
  );
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
  };
}
