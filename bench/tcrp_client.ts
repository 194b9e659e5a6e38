/**
 * Creating and joining rooms over TCRP, as a standard client does, many at a time.
 *
 * @module
 */

import { REQUEST_DEADLINE_MS, requestRoom } from "../client/mod.ts";
import { Operation } from "../protocol/mod.ts";

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
}

/**
 * Creates or joins a room on `host:port` through the client's own TCRP exchange and returns the
 * token, announcing the member's UDP port when it has one. A request not answered within
 * `deadlineMs` fails.
 */
export async function requestToken(
  host: string,
  port: number,
  request: JoinRequest,
  deadlineMs = REQUEST_DEADLINE_MS,
): Promise<string> {
  const ticket = await requestRoom(
    { host, port },
    request.create ? Operation.CreateRoom : Operation.JoinRoom,
    request.roomName,
    { username: request.username, password: request.password ?? null, eventFormat: STANDARD_TEXT },
    deadlineMs,
  );
  if (request.udpPort === null) ticket.close();
  else await ticket.announce(request.udpPort);
  return ticket.token;
}

/**
 * Runs `requests` with at most `concurrency` connections open at once; returns the tokens in
 * request order. Requests run in any order: create the rooms in an earlier call than the joins.
 */
export async function requestTokens(
  host: string,
  port: number,
  requests: readonly JoinRequest[],
  concurrency: number,
): Promise<string[]> {
  const tokens: string[] = new Array(requests.length);
  let next = 0;
  const lane = async () => {
    while (next < requests.length) {
      const i = next++;
      tokens[i] = await requestToken(host, port, requests[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, requests.length) }, lane));
  return tokens;
}
