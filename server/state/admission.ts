/**
 * The vocabulary of admissions: the limits the state enforces, a validated create or join
 * request, and its outcome.
 *
 * @module
 */

import type { Status } from "../../protocol/mod.ts";
import type { Member } from "./room.ts";

/** The limits the state enforces (a subset of `ServeOptions`). */
export interface StateConfig {
  /** Seconds of silence after which a member is removed. */
  timeoutSeconds: number;
  /** Most rooms at once. */
  maxRooms: number;
  /** Most members in one room. */
  maxRoomMembers: number;
  /** Chat messages per second per member; 0 = no flood control. */
  floodRate: number;
  /** Burst size of flood control. */
  floodBurst: number;
  /** TCRP requests per second per IP address; 0 = no limit. */
  joinRate: number;
  /** Seconds a member has to get a UDP address before it is removed (its room closed for a host). */
  bindTimeoutSeconds: number;
  /** Most members at once, over all rooms. */
  maxMembers: number;
  /** Most members at once from one source (an IPv4 address or an IPv6 /64). */
  maxMembersPerIp: number;
  /** Most open rooms created from one source (an IPv4 address or an IPv6 /64). */
  maxRoomsPerIp: number;
  /** Chat messages per second from one source, all its members together; 0 = no limit. */
  ipFloodRate: number;
  /** Shortest time between two answers to one member's Who, in seconds. */
  whoIntervalSeconds: number;
  /** Most chat messages each room keeps to answer NACKs and give history; 0 keeps none. */
  roomBuffer: number;
  /** Most bytes of chat messages each room keeps (text, sender and 64 bytes each). */
  roomBufferBytes: number;
  /** Messages of history a kaiwa member gets on joining; 0 = none; at most `roomBuffer`. */
  history: number;
}

/** A validated create or join request, with the address it came from. */
export interface AdmissionRequest {
  /** Room name, validated. */
  roomName: string;
  /** Its UTF-8 bytes as received. */
  roomNameBytes: Uint8Array;
  /** Username, validated. */
  username: string;
  /** True when the client asked for kaiwa's binary events. */
  kaiwa: boolean;
  /** The client's IP address as seen on TCP. */
  ip: string;
  /**
   * A join only: the token the client held, to come back as the same member (docs/protocol.md
   * §2.5). Absent for an ordinary join.
   */
  resume?: string;
}

/**
 * The outcome of a create or join: a status, and the member when it is Ok. `resumed` is true when
 * the member is not new but came back with its token (§2.5): it was already announced, and it
 * must not be withdrawn if its token cannot be written back.
 */
export type Admission = { status: typeof Status.Ok; member: Member; resumed?: boolean } | {
  status: Exclude<Status, typeof Status.Ok>;
  member: null;
};
