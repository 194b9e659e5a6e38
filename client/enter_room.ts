/**
 * Entering a room: the TCRP create or join, then a UDP socket bound to the same local address
 * the TCP connection used (the server binds the token to that IP), announced to the server.
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
  } catch (error) {
    ticket.close();
    throw error;
  }
  try {
    await ticket.announce((socket.addr as Deno.NetAddr).port);
  } catch {
    // The announcement is optional (§2.6): without it the server binds our first datagram's port.
  }
  return {
    token: ticket.token,
    socket,
    server: { transport: "udp", hostname: ticket.serverHostname, port: server.port },
  };
}
