/**
 * The owner node's side of the cluster: the members of its rooms connected through other nodes.
 * It admits their joins (asked by their nodes), takes their datagrams relayed by their nodes, and
 * sends its deliveries to them back to those nodes in batches.
 *
 * @module
 */

import type { Msg } from "@nats-io/transport-node";
import { decodeTcrpFrame, Operation, type SessionGrant, Status } from "../../protocol/mod.ts";
import { answerRoomRequest, type SessionContext } from "../tcp/mod.ts";
import type { PeerAddress } from "../udp/mod.ts";
import { DatagramBatches, decodeRecords } from "./datagram_batches.ts";
import type { ClusterHost, NodeLink } from "./node_link.ts";
import { RemoteMembers } from "./remote_members.ts";
import { encodeJoinReply, type JoinReply, type JoinRequest, type TokenOp } from "./rpc_messages.ts";
import { downSubject } from "./subjects.ts";

/** Addresses of members connected through another node read `node:<id>@<local address>`. */
const REMOTE_VIA_PREFIX = "node:";

const decoder = new TextDecoder();

/**
 * How long the owner may still admit a relayed join: the member node's remaining wait, counted on
 * the owner's own clock from when the request reached it (the nodes' clocks are never compared).
 * Transit makes this end later than the member node's own wait, never sooner: it spares the
 * owner a hash nobody waits for, and the member node withdraws what is admitted past it anyway.
 */
export class JoinWindow {
  readonly #closesAt: number;

  /** A window opened at `receivedAt` (ms, the owner's clock) for `waitMs` (ms). */
  constructor(receivedAt: number, waitMs: number) {
    this.#closesAt = receivedAt + waitMs;
  }

  /** True while the member node may still wait at `now` (ms). */
  open(now: number): boolean {
    return now < this.#closesAt;
  }
}

/** This node's rooms' members connected through other nodes. */
export class OwnerSide {
  readonly #link: NodeLink;
  readonly #remote = new RemoteMembers();
  readonly #down: DatagramBatches;
  /** Each remote `via` read once: the node and its local address. */
  readonly #routes = new Map<string, { node: string; local: string }>();

  /** The owner side of the node `link`. */
  constructor(link: NodeLink) {
    this.#link = link;
    this.#down = new DatagramBatches((node, batch) => link.publish(downSubject(node), batch));
  }

  /** True when `address` is a member's connected through another node. */
  isRemote(address: PeerAddress): boolean {
    return address.via !== undefined && address.via.startsWith(REMOTE_VIA_PREFIX);
  }

  /** Sends a datagram to a member connected through another node ({@link isRemote}). */
  deliver(bytes: Uint8Array, address: PeerAddress): void {
    const via = address.via as string;
    let route = this.#routes.get(via);
    if (route === undefined) {
      const at = via.indexOf("@", REMOTE_VIA_PREFIX.length);
      route = { node: via.slice(REMOTE_VIA_PREFIX.length, at), local: via.slice(at + 1) };
      // As many as the nodes' local addresses: a handful.
      this.#routes.set(via, route);
    }
    this.#down.add(route.node, address.hostname, address.port, route.local, bytes);
  }

  /** A member's node withdrew its token (the client was not told it), or announced its port. */
  tokenOp(host: ClusterHost, op: TokenOp): void {
    const state = host.sessions.state;
    const member = state.memberByToken(op.token);
    const node = member === undefined ? undefined : this.#remote.nodeOf(member);
    if (member === undefined || node === undefined) return;
    if (op.port === undefined) return state.withdraw(member, this.#link.now());
    // Deliveries go to its node, which sends them on from its own socket.
    state.announcePort(member, op.port, this.#link.now(), `${REMOTE_VIA_PREFIX}${node}@`);
  }

  /** Answers `msg`, a join of one of this node's rooms asked by a member's node. */
  async admit(host: ClusterHost, request: JoinRequest, msg: Msg): Promise<void> {
    const reply = (answer: Omit<JoinReply, "grant">, grant?: SessionGrant) => {
      try {
        msg.respond(encodeJoinReply(answer, grant));
      } catch {
        // The connection closed meanwhile: the requester answers "server error" on its timeout.
      }
    };
    const { node, incarnation } = this.#link.run;
    let frame;
    try {
      frame = decodeTcrpFrame(request.frame);
    } catch {
      return reply({ status: Status.InvalidRequest, node, incarnation });
    }
    if (frame.operation !== Operation.JoinRoom) {
      return reply({ status: Status.InvalidRequest, node, incarnation });
    }
    const sessions = host.sessions;
    const window = new JoinWindow(sessions.now(), request.waitMs);
    const waited = () => window.open(sessions.now());
    // This node's rooms only: the directory is left out so that nothing is asked further. A hash
    // queued past the member node's wait is dropped before it starts.
    const local: SessionContext = { ...sessions, directory: undefined };
    const answer = await answerRoomRequest(frame, request.ip, local, waited).catch(() => ({
      status: Status.ServerError,
      member: undefined,
    }));
    const member = answer.member;
    if (member === undefined) return reply({ status: answer.status, node, incarnation });
    if (!waited()) {
      // Admitted after the member node stopped waiting (its client was answered ServerError):
      // nobody would hold this member, and its name would stay taken for --bind-timeout.
      sessions.state.withdraw(member, sessions.now());
      sessions.log.verbose(
        `cluster: a join of room "${member.room.name}" from node ${request.from.node} ` +
          "was admitted after its node stopped waiting; withdrawn",
      );
      return reply({ status: Status.ServerError, node, incarnation });
    }
    this.#remote.add(request.from.node, member);
    // The secret crosses the broker to the member's node, which hands it over TLS to the client.
    const grant = request.session && member.kaiwa ? sessions.state.openSession(member) : undefined;
    reply(
      { status: Status.Ok, node, incarnation, token: member.token, kaiwa: member.kaiwa },
      grant,
    );
  }

  /** Client datagrams relayed by their node, for this node's rooms. */
  receiveUp(host: ClusterHost, msg: Msg): void {
    const state = host.sessions.state;
    const now = this.#link.now();
    const data = msg.data;
    if (data.length === 0 || 1 + data[0] > data.length) return;
    const node = decoder.decode(data.subarray(1, 1 + data[0]));
    for (const record of decodeRecords(data.subarray(1 + data[0]))) {
      const via = `${REMOTE_VIA_PREFIX}${node}@${record.local}`;
      state.receive(record.bytes, record.hostname, record.port, now, via);
    }
  }

  /** The members connected through `node` leave (unreachable): it died, or fenced itself. */
  dropMembersOf(host: ClusterHost, node: string): void {
    const now = this.#link.now();
    for (const member of this.#remote.take(node)) host.sessions.state.dropUnreachable(member, now);
  }

  /** Forgets members that left. */
  sweep(): void {
    this.#remote.sweep();
  }

  /** Sends what waits for other nodes now (the node stops). */
  flush(): void {
    this.#down.flush();
  }
}
