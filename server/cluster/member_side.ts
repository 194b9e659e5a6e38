/**
 * The member node's side of the cluster: this node's clients in rooms other nodes hold. It asks
 * the owner to admit them, relays their datagrams to it, sends on what the owner sends them, and
 * tells them itself when their room's owner is gone.
 *
 * @module
 */

import type { Msg } from "@nats-io/transport-node";
import {
  CloseReason,
  encodeEvent,
  encodeTcrpFrame,
  encodeUtf8,
  formatTextNotice,
  type KaiwaEvent,
  readSessionId,
  SEALED_MARKER,
  SEALED_OVERHEAD,
  STANDARD_CLOSED_MESSAGE,
  Status,
  type TcrpFrame,
} from "../../protocol/mod.ts";
import { sealDatagram } from "../../protocol/sealing.ts";
import type { RemoteAnswer } from "../tcp/mod.ts";
import type { PeerAddress } from "../udp/mod.ts";
import { DatagramBatches, decodeRecords } from "./datagram_batches.ts";
import type { ClusterHost, NodeLink } from "./node_link.ts";
import { PendingJoins } from "./pending_joins.ts";
import { Relay, type RelayedMember } from "./relay.ts";
import { decodeJoinReply, encodeJoinRequest, encodeTokenOp, grantOf } from "./rpc_messages.ts";
import { joinedSubject, joinIdOf, rpcSubject, upSubject } from "./subjects.ts";

/**
 * The counters of the notices a member node seals itself (its room's owner died): far above any
 * counter the owner reached (2^52 datagrams), so the client's replay window takes them as new.
 */
const FENCE_COUNTER = 2 ** 52;
/** How long a join waits for the owner's answer (a password hash may queue there). */
const JOIN_TIMEOUT_MS = 5_000;

const encoder = new TextEncoder();
const STANDARD_CLOSED_BYTES = encodeUtf8(STANDARD_CLOSED_MESSAGE);

/** This node's clients in other nodes' rooms. */
export class MemberSide {
  readonly #link: NodeLink;
  readonly #relay = new Relay();
  readonly #pending = new PendingJoins();
  readonly #up: DatagramBatches;
  /** Notices this node sealed itself for relayed members (see {@link FENCE_COUNTER}). */
  #fenceSealed = 0;

  /** The member side of the node `link`. */
  constructor(link: NodeLink) {
    this.#link = link;
    // Relayed client datagrams say which node they come through: their replies go back there.
    const sender = encoder.encode(link.run.node);
    this.#up = new DatagramBatches((node, batch) => {
      const data = new Uint8Array(1 + sender.length + batch.length);
      data[0] = sender.length;
      data.set(sender, 1);
      data.set(batch, 1 + sender.length);
      link.publish(upSubject(node), data);
    });
  }

  /**
   * Asks `owner` to admit this node's client at `ip` with `frame` (a JoinRoom), with a session
   * when `session`; ServerError when no answer comes in time.
   */
  async join(owner: string, frame: TcrpFrame, ip: string, session: boolean): Promise<RemoteAnswer> {
    const link = this.#link;
    const request = encodeJoinRequest({
      from: link.run,
      ip,
      session,
      waitMs: JOIN_TIMEOUT_MS,
      frame: encodeTcrpFrame(frame),
    });
    // The answer comes to this run's joined subject, not to a request inbox: one that comes after
    // the wait is given up still arrives here, and its admission is withdrawn (joined).
    const wait = this.#pending.open();
    const timer = setTimeout(() => this.#pending.giveUp(wait.id), JOIN_TIMEOUT_MS);
    link.publish(rpcSubject(owner), request, joinedSubject(link.run, wait.id));
    const answer = await wait.reply;
    clearTimeout(timer);
    // No answer in time, none that parses, or no responders (the owner just died): never a
    // wrong answer.
    if (answer === null) return { status: Status.ServerError };
    link.heard({ node: owner, incarnation: answer.incarnation });
    if (answer.status !== Status.Ok || answer.token === undefined) {
      return { status: answer.status };
    }
    const token = answer.token;
    const grant = grantOf(answer);
    const taken = grant !== null &&
      (this.#relay.hasSession(grant.id) ||
        link.host()?.sessions.state.memberBySession(grant.id) !== undefined);
    if (taken) {
      // Two nodes drew one id for two clients of this node (1 in 2^32): this one cannot be routed.
      link.publish(rpcSubject(owner), encodeTokenOp({ token }));
      return { status: Status.ServerError };
    }
    this.#relay.add(owner, token, answer.kaiwa === true, grant, ip, link.now());
    return {
      status: Status.Ok,
      admission: {
        token,
        grant,
        withdraw: () => {
          this.#relay.remove(token);
          link.publish(rpcSubject(owner), encodeTokenOp({ token }));
        },
        announce: (port) => {
          this.#relay.announce(token, ip, port);
          link.publish(rpcSubject(owner), encodeTokenOp({ token, port }));
        },
      },
    };
  }

  /**
   * An owner's answer to one of this node's joins. One that comes after the join gave up (its
   * client was answered ServerError) and admits a member is withdrawn at once: the member node
   * alone decides that it stopped waiting, so no order of the answer and the give-up leaves a
   * member nobody holds.
   */
  joined(msg: Msg): void {
    const id = joinIdOf(msg.subject);
    if (id === null) return;
    // An empty answer is the broker's "no responders": the owner just died.
    const answer = decodeJoinReply(msg.data);
    if (this.#pending.settle(id, answer)) return;
    if (answer?.status !== Status.Ok || answer.token === undefined) return;
    this.#link.host()?.sessions.log.verbose(
      `cluster: node ${answer.node} admitted a join after this node stopped waiting; withdrawn`,
    );
    this.#link.publish(rpcSubject(answer.node), encodeTokenOp({ token: answer.token }));
  }

  /**
   * A datagram this node received from a client: relayed to the owner of its room when that is
   * another node (true), else left to this node's state (false).
   */
  relayIn(bytes: Uint8Array, hostname: string, port: number, local: string | undefined): boolean {
    // A session of this node's own wins over a relayed one with the same (random) id.
    if (
      bytes.length >= SEALED_OVERHEAD && bytes[0] === SEALED_MARKER &&
      this.#link.host()?.sessions.state.memberBySession(readSessionId(bytes, 1)) !== undefined
    ) return false;
    const member = this.#relay.route(bytes, hostname, port, local ?? "", this.#link.now());
    if (member === null) return false;
    // A copy: `bytes` may be a view of a receive buffer the next datagram overwrites.
    this.#up.add(member.owner, hostname, port, local ?? "", bytes.slice());
    return true;
  }

  /** Datagrams from rooms' owners for this node's clients. */
  receiveDown(host: ClusterHost, msg: Msg): void {
    for (const record of decodeRecords(msg.data)) {
      host.send(record.bytes, {
        transport: "udp",
        hostname: record.hostname,
        port: record.port,
        ...(record.local === "" ? {} : { via: record.local }),
      });
    }
  }

  /**
   * `owner`'s rooms are gone for this node (it died, or fenced itself): their members here are
   * forgotten and, when `tell`, told that the room closed (host unreachable).
   */
  endRoomsOf(owner: string, tell: boolean): void {
    const closed: KaiwaEvent = {
      type: "room-closed",
      time: this.#link.now(),
      reason: CloseReason.HostUnreachable,
    };
    for (const member of this.#relay.takeOwner(owner)) {
      if (tell) this.#tell(member, closed, true);
    }
  }

  /** This node stops: every client of it in another node's room is told so. */
  tellShutdown(): void {
    const event: KaiwaEvent = { type: "shutdown", time: this.#link.now() };
    for (const member of this.#relay.takeAll()) this.#tell(member, event, false);
  }

  /** Forgets clients silent for `idleMs` (see {@link Relay.sweep}). */
  sweep(now: number, idleMs: number): void {
    this.#relay.sweep(now, idleMs);
  }

  /** The node stops: what waits to be relayed goes now, and no join waits any more. */
  close(): void {
    this.#pending.giveUpAll();
    this.#up.flush();
  }

  /** Tells a relayed client `event` itself (its owner cannot any more). */
  #tell(member: RelayedMember, event: KaiwaEvent, closed: boolean): void {
    const host = this.#link.host();
    const address = member.address;
    if (host === null || address === null) return;
    const to: PeerAddress = {
      transport: "udp",
      hostname: address.hostname,
      port: address.port,
      ...(address.local === "" ? {} : { via: address.local }),
    };
    if (member.session !== null) {
      // Sealed under the member's key with a counter far past any its owner reached.
      const counter = FENCE_COUNTER + this.#fenceSealed++;
      return host.send(
        sealDatagram(member.session.key, member.session.id, counter, encodeEvent(event)),
        to,
      );
    }
    if (member.kaiwa) return host.send(encodeEvent(event), to);
    const text = formatTextNotice(event);
    if (text !== null) host.send(encodeUtf8(text), to);
    if (closed) host.send(STANDARD_CLOSED_BYTES, to);
  }
}
