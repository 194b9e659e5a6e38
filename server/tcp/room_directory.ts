/**
 * The seam between the TCRP side and a cluster of nodes (docs/cluster.md): what a request needs
 * to know of rooms held by other nodes. A single node has no directory and never asks.
 *
 * @module
 */

import type { RoomSummary, SessionGrant, Status, TcrpFrame } from "../../protocol/mod.ts";

/** A member admitted by the node owning its room, for a client connected to this node. */
export interface RemoteAdmission {
  /** The token the owner issued. */
  readonly token: string;
  /** The session the owner opened for it (docs/protocol.md §7), when one was asked and allowed. */
  readonly grant: SessionGrant | null;
  /** Takes the admission back: the token could not be written to the client. */
  withdraw(): void;
  /** The client announced its UDP port (§2.4) on this node. */
  announce(port: number): void;
}

/** The answer of the owner node to a join made through this node. */
export interface RemoteAnswer {
  /** The owner's answer; Ok comes with `admission`. */
  readonly status: Status;
  /** The member, when admitted. */
  readonly admission?: RemoteAdmission;
}

/** Where rooms held by other nodes are known, claimed and joined. */
export interface RoomDirectory {
  /** Every room of the cluster: `local` (this node's own) and the others' from the registry. */
  list(local: RoomSummary[]): RoomSummary[];
  /**
   * Claims `roomName` for this node before it is created here: Ok, RoomExists when another node
   * holds it, ServerError when the registry cannot answer now (a broker or leader election away).
   */
  claim(roomName: string, password: boolean): Promise<Status>;
  /** Gives back a claim whose room was not created after all. */
  release(roomName: string): void;
  /**
   * Asks the node holding `roomName` to admit the requester at `ip` with `frame` (a JoinRoom),
   * with a session when `session` (asked for, and the connection may carry its secret);
   * RoomNotFound when no node holds it, ServerError when the owner does not answer in time.
   */
  join(roomName: string, frame: TcrpFrame, ip: string, session: boolean): Promise<RemoteAnswer>;
}
