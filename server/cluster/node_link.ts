/**
 * What the two sides of a cluster node (its rooms' remote members, its clients in other nodes'
 * rooms) use of the node: its run, its clock, the server it serves, and the broker.
 *
 * @module
 */

import type { SessionContext } from "../tcp/mod.ts";
import type { PeerAddress } from "../udp/mod.ts";
import type { NodeRun } from "./liveness.ts";

/** What the server gives the node once it runs. */
export interface ClusterHost {
  /** What TCRP requests are answered with (the state, the clock, the log, the limits). */
  readonly sessions: SessionContext;
  /** Sends a datagram out of this node's UDP sockets. */
  readonly send: (bytes: Uint8Array, address: PeerAddress) => void;
  /** Silence after which a relayed member is surely gone from its owner's room, ms. */
  readonly relayIdleMs: number;
}

/** The node, as its sides see it. */
export interface NodeLink {
  /** This node's run. */
  readonly run: NodeRun;
  /** The server, once the node is attached to it; null before. */
  host(): ClusterHost | null;
  /** The clock, ms. */
  now(): number;
  /** Publishes on the broker, with a reply subject if given; a closed connection drops it. */
  publish(subject: string, data: Uint8Array, reply?: string): void;
  /** `run` was heard of now (a request or an answer of it): it is alive. */
  heard(run: NodeRun): void;
}
