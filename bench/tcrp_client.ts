/**
 * Creating and joining rooms over TCRP, as a standard client does, many at a time; or, with a
 * {@link JoinSecurity}, as a kaiwa client with a session does: over TLS to the pinned server,
 * kaiwa events, a session asked for and required.
 *
 * @module
 */

import { REQUEST_DEADLINE_MS, requestRoom, type ServerTrust } from "../client/mod.ts";
import { EVENT_FORMAT_VERSION, Operation, type SessionGrant } from "../protocol/mod.ts";

/** Standard text events: the cheapest for the server to encode and for receivers to parse. */
const STANDARD_TEXT = 0;

/** One create or join. */
export interface JoinRequest {
  /** Create the room (its first member) or join it. */
  readonly create: boolean;
  /** The room. */
  readonly roomName: string;
  /** The member's name. */
  readonly username: string;
  /** The UDP port to announce, or null to announce none (the member then gets no datagrams). */
  readonly udpPort: number | null;
  /** The room's password; absent means none. */
  readonly password?: string;
  /** The TCRP port to ask instead of the one given for all (a node of a cluster). */
  readonly port?: number;
}

/**
 * How members enter: absent, as standard clients over plain TCRP; present, as kaiwa clients over
 * TLS checked by `trust`, each asking for a session (docs/protocol.md §2.8, §7).
 */
export interface JoinSecurity {
  /** The server's identity, pinned. */
  readonly trust: ServerTrust;
}

/** A granted create or join. */
export interface JoinTicket {
  /** The member's token. */
  readonly token: string;
  /** Its session, with {@link JoinSecurity}; null for a standard client. */
  readonly session: SessionGrant | null;
}

/**
 * Creates or joins a room on `host:port` as a standard client, through the client's own TCRP
 * exchange, and returns the token, announcing the member's UDP port when it has one. A request
 * not answered within `deadlineMs` fails.
 */
export async function requestToken(
  host: string,
  port: number,
  request: JoinRequest,
  deadlineMs = REQUEST_DEADLINE_MS,
): Promise<string> {
  return (await requestTicket(host, port, request, null, deadlineMs)).token;
}

/**
 * {@link requestToken} for a standard client (`security` null) or a kaiwa client with a session:
 * returns the token and the session. With `security`, a join the server grants no session fails.
 */
export async function requestTicket(
  host: string,
  port: number,
  request: JoinRequest,
  security: JoinSecurity | null,
  deadlineMs = REQUEST_DEADLINE_MS,
): Promise<JoinTicket> {
  const ticket = await requestRoom(
    security === null ? { host, port } : { host, port, tls: security.trust },
    request.create ? Operation.CreateRoom : Operation.JoinRoom,
    request.roomName,
    {
      username: request.username,
      password: request.password ?? null,
      eventFormat: security === null ? STANDARD_TEXT : EVENT_FORMAT_VERSION,
      ...(security === null ? {} : { session: true }),
    },
    deadlineMs,
  );
  if (security !== null && ticket.session === null) {
    ticket.close();
    throw new Error(`The server granted ${request.username} in ${request.roomName} no session`);
  }
  if (request.udpPort === null) ticket.close();
  else await ticket.announce(request.udpPort);
  return { token: ticket.token, session: ticket.session };
}

/**
 * Runs `requests` with at most `concurrency` connections open at once; returns the tickets in
 * request order. Requests run in any order: create the rooms in an earlier call than the joins.
 */
export async function requestTokens(
  host: string,
  port: number,
  requests: readonly JoinRequest[],
  concurrency: number,
  security: JoinSecurity | null = null,
): Promise<JoinTicket[]> {
  const tickets: JoinTicket[] = new Array(requests.length);
  let next = 0;
  const lane = async () => {
    while (next < requests.length) {
      const i = next++;
      tickets[i] = await requestTicket(host, requests[i].port ?? port, requests[i], security);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, requests.length) }, lane));
  return tickets;
}
