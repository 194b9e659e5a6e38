/**
 * One node of a kaiwa cluster (docs/cluster.md): its NATS connection, the room registry, and the
 * three roles it plays at once. As a room's owner it runs the room's state for every member and
 * alone numbers its messages; members connected elsewhere reach it as datagrams relayed from their
 * node, and its deliveries to them go back there in batches. As a member node it answers its
 * clients' joins of other nodes' rooms by asking the owner, and relays their datagrams both ways.
 * As a peer it sends heartbeats and declares silent nodes dead.
 *
 * @module
 */

import { connect, type Msg, type NatsConnection } from "@nats-io/transport-node";
import {
  CloseReason,
  decodeTcrpFrame,
  encodeEvent,
  encodeTcrpFrame,
  encodeUtf8,
  formatTextNotice,
  type KaiwaEvent,
  Operation,
  readSessionId,
  type RoomSummary,
  sealDatagram,
  SEALED_MARKER,
  SEALED_OVERHEAD,
  type SessionGrant,
  STANDARD_CLOSED_MESSAGE,
  Status,
  type TcrpFrame,
} from "../../protocol/mod.ts";
import type { StateEvents } from "../state/mod.ts";
import {
  answerRoomRequest,
  type RemoteAnswer,
  type RoomDirectory,
  type SessionContext,
} from "../tcp/mod.ts";
import type { PeerAddress } from "../udp/mod.ts";
import { DatagramBatches, decodeRecords } from "./datagram_batches.ts";
import { MS_PER_SECOND } from "../../util/mod.ts";
import { Liveness, type NodeRun } from "./liveness.ts";
import { OrphanedEntries } from "./orphans.ts";
import { JoinWindow } from "./owner_side.ts";
import { PendingJoins } from "./pending_joins.ts";
import { Relay, type RelayedMember } from "./relay.ts";
import { RemoteMembers } from "./remote_members.ts";
import { RoomRegistry } from "./registry.ts";
import {
  decodeFenced,
  decodeJoinReply,
  decodeJoinRequest,
  decodeTokenOp,
  encodeFenced,
  encodeJoinReply,
  encodeJoinRequest,
  encodeTokenOp,
  grantOf,
  type JoinReply,
  type JoinRequest,
  RpcOp,
} from "./rpc_messages.ts";
import {
  downSubject,
  type Heartbeat,
  HEARTBEAT_SUBJECT,
  joinedSubject,
  joinedSubjects,
  joinIdOf,
  rpcSubject,
  upSubject,
} from "./subjects.ts";

/** What `--cluster` and its companions set. */
export interface ClusterOptions {
  /** NATS server URLs (`--cluster`). */
  readonly servers: readonly string[];
  /** This node's id (`--node-id`); null draws a random one. */
  readonly nodeId: string | null;
  /** Time between heartbeats, ms (`--cluster-heartbeat`). */
  readonly heartbeatMs: number;
  /** Silence after which a node is dead, ms (`--cluster-dead-after`). */
  readonly deadAfterMs: number;
}

/** What the server gives the node once it runs. */
export interface ClusterHost {
  /** What TCRP requests are answered with (the state, the clock, the log, the limits). */
  readonly sessions: SessionContext;
  /** Sends a datagram out of this node's UDP sockets. */
  readonly send: (bytes: Uint8Array, address: PeerAddress) => void;
  /** Silence after which a relayed member is surely gone from its owner's room, ms. */
  readonly relayIdleMs: number;
}

/** Addresses of members connected through another node read `node:<id>@<local address>`. */
const REMOTE_VIA_PREFIX = "node:";
/**
 * The counters of the notices a member node seals itself (its room's owner died): far above any
 * counter the owner reached (2^52 datagrams), so the client's replay window takes them as new.
 */
const FENCE_COUNTER = 2 ** 52;
/**
 * The longest a stopping node waits for the registry and for its last messages to go out: the
 * whole stop stays within a couple of seconds even with the broker gone.
 */
const STOP_WAIT_MS = 1_000;
/** How long a join waits for the owner's answer (a password hash may queue there). */
const JOIN_TIMEOUT_MS = 5_000;
/** The most KV replicas: a NATS cluster of three keeps the registry through one server's death. */
const MAX_REPLICAS = 3;
/**
 * How long a starting node waits for the registry: a NATS cluster that just started elects its
 * JetStream leaders first (≈6 s for three servers on loopback).
 */
const REGISTRY_OPEN_MS = 30_000;

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const STANDARD_CLOSED_BYTES = encodeUtf8(STANDARD_CLOSED_MESSAGE);

/**
 * Connects to the NATS servers and opens the registry.
 *
 * @throws {Error} when no server answers or the registry cannot be opened (JetStream off).
 */
export async function connectCluster(options: ClusterOptions): Promise<ClusterNode> {
  const nc = await connect({
    servers: [...options.servers],
    // A node keeps trying for ever: the broker coming back is how a cluster heals.
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    name: options.nodeId ?? undefined,
  });
  try {
    // As many copies of the registry as the NATS cluster has servers (its INFO lists their client
    // URLs), at most three.
    const servers = nc.info?.connect_urls?.length ?? 1;
    const replicas = Math.max(1, Math.min(MAX_REPLICAS, servers));
    const registry = await RoomRegistry.open(nc, replicas, REGISTRY_OPEN_MS);
    return new ClusterNode(nc, registry, options);
  } catch (error) {
    await nc.close();
    throw error;
  }
}

/** One node of the cluster; see the module's description. */
export class ClusterNode {
  /** This node's run: its id and incarnation. */
  readonly run: NodeRun;
  readonly #nc: NatsConnection;
  readonly #registry: RoomRegistry;
  readonly #options: ClusterOptions;
  readonly #liveness: Liveness;
  readonly #orphans: OrphanedEntries;
  readonly #relay = new Relay();
  readonly #remote = new RemoteMembers();
  readonly #pending = new PendingJoins();
  readonly #up: DatagramBatches;
  readonly #down: DatagramBatches;
  #host: ClusterHost | null = null;
  #timer: ReturnType<typeof setInterval> | undefined;
  #connected = true;
  /** When the broker was lost (ms), while {@link brokerConnected} is false. */
  #disconnectedAt = 0;
  #nodesDeclaredDead = 0;
  /** Each remote `via` read once: the node and its local address. */
  readonly #routes = new Map<string, { node: string; local: string }>();
  /** Notices this node sealed itself for relayed members (see {@link FENCE_COUNTER}). */
  #fenceSealed = 0;
  /** True while a reconciliation runs: a stalled registry must not pile them up. */
  #reconciling = false;
  /** True once a twin (another process with this node's id) was logged. */
  #twinReported = false;
  /**
   * Names claimed for a create still under way (a password being hashed): their entries show
   * before their rooms exist. Each leaves when its room is created or its claim released.
   */
  readonly #claiming = new Set<string>();
  #watching: Promise<void> | null = null;

  /** A node on `nc` with `registry`; {@link attach} starts it. */
  constructor(nc: NatsConnection, registry: RoomRegistry, options: ClusterOptions) {
    this.#nc = nc;
    this.#registry = registry;
    this.#options = options;
    this.run = {
      node: options.nodeId ?? crypto.randomUUID().slice(0, 8),
      incarnation: crypto.randomUUID(),
    };
    this.#liveness = new Liveness(options.deadAfterMs);
    this.#orphans = new OrphanedEntries(options.deadAfterMs);
    // Relayed client datagrams say which node they come through: their replies go back there.
    const sender = encoder.encode(this.run.node);
    this.#up = new DatagramBatches((node, batch) => {
      const data = new Uint8Array(1 + sender.length + batch.length);
      data[0] = sender.length;
      data.set(sender, 1);
      data.set(batch, 1 + sender.length);
      this.#publish(upSubject(node), data);
    });
    this.#down = new DatagramBatches((node, batch) => this.#publish(downSubject(node), batch));
  }

  /** True while this node is connected to a NATS server (for `/metrics`). */
  get brokerConnected(): boolean {
    return this.#connected;
  }

  /** The nodes this node hears from, itself included (for `/metrics`). */
  get liveNodes(): number {
    return this.#liveness.size + 1;
  }

  /** How many nodes this node declared dead since it started (for `/metrics`). */
  get nodesDeclaredDead(): number {
    return this.#nodesDeclaredDead;
  }

  /**
   * Why this node should get no new clients, one line for `/healthz`; null while it is connected
   * to the broker. Cut off, it still serves its own rooms' members, but it can create no room
   * (the registry is out of reach) and join none of the others'; past the dead-after time the
   * other nodes count it dead and it fences itself.
   */
  unavailable(): string | null {
    if (this.#connected) return null;
    const silentMs = this.#now() - this.#disconnectedAt;
    const line = `cluster: cut off from the broker for ${Math.floor(silentMs / MS_PER_SECOND)} s`;
    return silentMs < this.#options.deadAfterMs
      ? line
      : `${line}; fenced (the other nodes count this one dead)`;
  }

  /** The directory the TCRP side asks about other nodes' rooms. */
  readonly directory: RoomDirectory = {
    list: (local) => this.#list(local),
    claim: (roomName, password) => this.#claim(roomName, password),
    release: (roomName) => {
      this.#claiming.delete(roomName);
      void this.#registry.release(roomName, this.run);
    },
    join: (roomName, frame, ip, session) => this.#join(roomName, frame, ip, session),
  };

  /** Starts serving: subscriptions, heartbeats, the dead-node sweep. */
  attach(host: ClusterHost): void {
    this.#host = host;
    const { node } = this.run;
    this.#subscribe(rpcSubject(node), (msg) => this.#rpc(msg));
    this.#subscribe(joinedSubjects(this.run), (msg) => this.#joined(msg));
    this.#subscribe(upSubject(node), (msg) => this.#receiveUp(msg));
    this.#subscribe(downSubject(node), (msg) => this.#receiveDown(msg));
    this.#subscribe(HEARTBEAT_SUBJECT, (msg) => this.#heartbeat(msg));
    const { log } = host.sessions;
    log.info(`cluster: node ${node} joined through nats ${this.#nc.getServer()}`, {
      event: "cluster joined",
      node,
      server: this.#nc.getServer(),
    });
    this.#watching = (async () => {
      for await (const status of this.#nc.status()) {
        if (status.type === "disconnect") {
          this.#connected = false;
          this.#disconnectedAt = this.#now();
          log.info(`cluster: lost nats ${status.server}`, { event: "cluster lost", ...status });
        } else if (status.type === "reconnect") {
          this.#connected = true;
          log.info(`cluster: reconnected to nats ${status.server}`, {
            event: "cluster reconnected",
            ...status,
          });
        }
      }
    })();
    this.#beat();
    this.#timer = setInterval(() => this.#tick(), this.#options.heartbeatMs);
  }

  /**
   * The state's events, with what the cluster must hear of them: a room created here ends its
   * claim; a room that closes here frees its name in the registry.
   */
  watchEvents(events: StateEvents): StateEvents {
    return {
      ...events,
      roomCreated: (room, host) => {
        events.roomCreated(room, host);
        this.#claiming.delete(room.name);
      },
      roomClosed: (room, reason) => {
        events.roomClosed(room, reason);
        void this.#registry.release(room.name, this.run);
      },
    };
  }

  /**
   * A datagram this node received from a client: relayed to the owner of its room when that is
   * another node (true), else left to this node's state (false).
   */
  relayIn(bytes: Uint8Array, hostname: string, port: number, local: string | undefined): boolean {
    // A session of this node's own wins over a relayed one with the same (random) id.
    if (
      bytes.length >= SEALED_OVERHEAD && bytes[0] === SEALED_MARKER &&
      this.#host?.sessions.state.memberBySession(readSessionId(bytes, 1)) !== undefined
    ) return false;
    const now = this.#now();
    const member = this.#relay.route(bytes, hostname, port, local ?? "", now);
    if (member === null) return false;
    // A copy: `bytes` may be a view of a receive buffer the next datagram overwrites.
    this.#up.add(member.owner, hostname, port, local ?? "", bytes.slice());
    return true;
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

  /**
   * The node stops: the others are told at once (its rooms' members elsewhere got the state's
   * goodbye), its registry entries go, and its clients in other nodes' rooms are told.
   */
  async shutdown(): Promise<void> {
    const now = this.#now();
    const event: KaiwaEvent = { type: "shutdown", time: now };
    for (const member of this.#relay.takeAll()) this.#tell(member, event, false);
    // Cut off from the broker, it writes nothing: the others free its names once it is dead.
    if (!this.#connected) return;
    const rooms = [...(this.#host?.sessions.state.rooms.keys() ?? [])];
    await within(
      Promise.all(rooms.map((name) => this.#registry.release(name, this.run))),
      STOP_WAIT_MS,
    );
  }

  /** Stops everything: the goodbye heartbeat, the timer, the watch, the connection. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    this.#pending.giveUpAll();
    this.#up.flush();
    this.#down.flush();
    const bye: Heartbeat = { ...this.run, gone: true };
    this.#publish(HEARTBEAT_SUBJECT, encoder.encode(JSON.stringify(bye)));
    // What is queued goes out if the broker takes it soon; a stop never waits longer.
    if (!(await within(this.#nc.drain().then(() => true, () => true), STOP_WAIT_MS))) {
      await this.#nc.close().catch(() => {});
    }
    // The connection closed, the watch and the status loop end; bounded all the same.
    await within(this.#registry.close().catch(() => {}), STOP_WAIT_MS);
    await within(this.#watching ?? Promise.resolve(), STOP_WAIT_MS);
  }

  #now(): number {
    return this.#host?.sessions.now() ?? Date.now();
  }

  #publish(subject: string, data: Uint8Array, reply?: string): void {
    try {
      this.#nc.publish(subject, data, reply === undefined ? undefined : { reply });
    } catch {
      // Closed or draining: what was not sent is what a dead link loses.
    }
  }

  #subscribe(subject: string, handle: (msg: Msg) => void): void {
    const faults = this.#host?.sessions.faults;
    this.#nc.subscribe(subject, {
      callback: (error, msg) => {
        if (error !== null) return;
        if (faults === undefined) return handle(msg);
        faults.guard(`cluster message on ${subject}`, () => handle(msg));
      },
    });
  }

  #list(local: RoomSummary[]): RoomSummary[] {
    const list = [...local];
    for (const [name, entry] of this.#registry.rooms) {
      if (entry.node === this.run.node) continue;
      list.push({ name, members: entry.members, password: entry.password });
    }
    return list;
  }

  async #claim(roomName: string, password: boolean): Promise<Status> {
    this.#claiming.add(roomName);
    const result = await this.#registry.claim(roomName, { ...this.run, password, members: 1 });
    if (result === "claimed") return Status.Ok;
    this.#claiming.delete(roomName);
    return result === "taken" ? Status.RoomExists : Status.ServerError;
  }

  async #join(
    roomName: string,
    frame: TcrpFrame,
    ip: string,
    session: boolean,
  ): Promise<RemoteAnswer> {
    let entry;
    try {
      entry = await this.#registry.read(roomName);
    } catch {
      return { status: Status.ServerError };
    }
    if (entry === null || entry.node === this.run.node) return { status: Status.RoomNotFound };
    const owner = entry.node;
    const request = encodeJoinRequest({
      from: this.run,
      ip,
      session,
      waitMs: JOIN_TIMEOUT_MS,
      frame: encodeTcrpFrame(frame),
    });
    // The answer comes to this run's joined subject, not to a request inbox: one that comes after
    // the wait is given up still arrives here, and its admission is withdrawn (#joined).
    const wait = this.#pending.open();
    const timer = setTimeout(() => this.#pending.giveUp(wait.id), JOIN_TIMEOUT_MS);
    this.#publish(rpcSubject(owner), request, joinedSubject(this.run, wait.id));
    const answer = await wait.reply;
    clearTimeout(timer);
    // No answer in time, none that parses, or no responders (the owner just died): never a
    // wrong answer.
    if (answer === null) return { status: Status.ServerError };
    this.#liveness.seen({ node: owner, incarnation: answer.incarnation }, this.#now());
    if (answer.status !== Status.Ok || answer.token === undefined) {
      return { status: answer.status };
    }
    const token = answer.token;
    const grant = grantOf(answer);
    const taken = grant !== null &&
      (this.#relay.hasSession(grant.id) ||
        this.#host?.sessions.state.memberBySession(grant.id) !== undefined);
    if (taken) {
      // Two nodes drew one id for two clients of this node (1 in 2^32): this one cannot be routed.
      this.#publish(rpcSubject(owner), encodeTokenOp({ token }));
      return { status: Status.ServerError };
    }
    this.#relay.add(owner, token, answer.kaiwa === true, grant, ip, this.#now());
    return {
      status: Status.Ok,
      admission: {
        token,
        grant,
        withdraw: () => {
          this.#relay.remove(token);
          this.#publish(rpcSubject(owner), encodeTokenOp({ token }));
        },
        announce: (port) => {
          this.#relay.announce(token, ip, port);
          this.#publish(rpcSubject(owner), encodeTokenOp({ token, port }));
        },
      },
    };
  }

  /**
   * A request to this node: a join of one of its rooms, a token withdrawn or a port announced by
   * a member's node, or a node saying it declared this one dead.
   */
  #rpc(msg: Msg): void {
    const host = this.#host;
    if (host === null || msg.data.length === 0) return;
    if (msg.data[0] === RpcOp.Fenced) {
      const by = decodeFenced(msg.data);
      // It ended its side of our rooms' memberships: this node ends the other side.
      if (by !== null) this.#dropRemoteMembers(host, by.node);
      return;
    }
    if (msg.data[0] === RpcOp.Withdraw || msg.data[0] === RpcOp.Announce) {
      const op = decodeTokenOp(msg.data);
      const state = host.sessions.state;
      const member = op === null ? undefined : state.memberByToken(op.token);
      const node = member === undefined ? undefined : this.#remote.nodeOf(member);
      if (op === null || member === undefined || node === undefined) return;
      if (op.port === undefined) return state.withdraw(member, this.#now());
      // Deliveries go to its node, which sends them on from its own socket.
      state.announcePort(member, op.port, this.#now(), `${REMOTE_VIA_PREFIX}${node}@`);
      return;
    }
    const request = decodeJoinRequest(msg.data);
    if (request === null) return;
    this.#noteAlive(request.from);
    void this.#admit(host, request, msg);
  }

  async #admit(host: ClusterHost, request: JoinRequest, msg: Msg): Promise<void> {
    const reply = (answer: Omit<JoinReply, "grant">, grant?: SessionGrant) => {
      try {
        msg.respond(encodeJoinReply(answer, grant));
      } catch {
        // The connection closed meanwhile: the requester answers "server error" on its timeout.
      }
    };
    const { node, incarnation } = this.run;
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

  /**
   * An owner's answer to one of this node's joins. One that comes after the join gave up (its
   * client was answered ServerError) and admits a member is withdrawn at once: the member node
   * alone decides that it stopped waiting, so no order of the answer and the give-up leaves a
   * member nobody holds.
   */
  #joined(msg: Msg): void {
    const id = joinIdOf(msg.subject);
    if (id === null) return;
    // An empty answer is the broker's "no responders": the owner just died.
    const answer = decodeJoinReply(msg.data);
    if (this.#pending.settle(id, answer)) return;
    if (answer?.status !== Status.Ok || answer.token === undefined) return;
    this.#host?.sessions.log.verbose(
      `cluster: node ${answer.node} admitted a join after this node stopped waiting; withdrawn`,
    );
    this.#publish(rpcSubject(answer.node), encodeTokenOp({ token: answer.token }));
  }

  /** Client datagrams relayed by their node, for this node's rooms. */
  #receiveUp(msg: Msg): void {
    const state = this.#host?.sessions.state;
    if (state === undefined) return;
    const now = this.#now();
    const data = msg.data;
    if (data.length === 0 || 1 + data[0] > data.length) return;
    const node = decoder.decode(data.subarray(1, 1 + data[0]));
    for (const record of decodeRecords(data.subarray(1 + data[0]))) {
      const via = `${REMOTE_VIA_PREFIX}${node}@${record.local}`;
      state.receive(record.bytes, record.hostname, record.port, now, via);
    }
  }

  /** Datagrams from rooms' owners for this node's clients. */
  #receiveDown(msg: Msg): void {
    const host = this.#host;
    if (host === null) return;
    for (const record of decodeRecords(msg.data)) {
      host.send(record.bytes, {
        transport: "udp",
        hostname: record.hostname,
        port: record.port,
        ...(record.local === "" ? {} : { via: record.local }),
      });
    }
  }

  #heartbeat(msg: Msg): void {
    let beat: Heartbeat;
    try {
      beat = JSON.parse(decoder.decode(msg.data)) as Heartbeat;
    } catch {
      return;
    }
    if (typeof beat.node !== "string" || typeof beat.incarnation !== "string") return;
    if (beat.node === this.run.node) {
      // Another process with this id: both would take each other's requests and datagrams.
      if (beat.incarnation !== this.run.incarnation && !this.#twinReported) {
        this.#twinReported = true;
        this.#host?.sessions.log.error(
          `cluster: another node runs with id ${beat.node}; give each node its own --node-id`,
          { event: "cluster duplicate node id", node: beat.node },
        );
      }
      return;
    }
    if (beat.gone === true) {
      const run = this.#liveness.forget(beat.node);
      if (run !== null && run.incarnation === beat.incarnation) this.#dead(run, true);
      return;
    }
    this.#noteAlive({ node: beat.node, incarnation: beat.incarnation });
  }

  #noteAlive(run: NodeRun): void {
    const replaced = this.#liveness.seen(run, this.#now());
    if (replaced !== null) this.#dead(replaced, false);
  }

  #beat(): void {
    this.#publish(HEARTBEAT_SUBJECT, encoder.encode(JSON.stringify(this.run satisfies Heartbeat)));
  }

  #tick(): void {
    const host = this.#host;
    if (host === null) return;
    host.sessions.faults.guard("the cluster heartbeat", () => {
      this.#beat();
      const now = this.#now();
      for (const run of this.#liveness.expire(now)) this.#dead(run, false);
      this.#relay.sweep(now, host.relayIdleMs);
      this.#remote.sweep();
      if (this.#connected && !this.#reconciling) {
        this.#reconciling = true;
        void this.#reconcile(host).finally(() => this.#reconciling = false);
      }
    });
  }

  /**
   * `run` is dead (silent for the dead-after time, restarted, or gone): the members of this node's
   * rooms connected through it leave (unreachable); this node's clients in its rooms are told the
   * room closed (host unreachable), unless it said goodbye (they were told it shut down); and its
   * registry entries go, so that the names are free again. A node cut off from the broker sees
   * every other die: it ends every remote membership, and writes nothing (the others do).
   */
  #dead(run: NodeRun, gone: boolean): void {
    const host = this.#host;
    if (host === null) return;
    host.sessions.log.info(
      gone ? `cluster: node ${run.node} stopped` : `cluster: node ${run.node} declared dead`,
      { event: gone ? "cluster node stopped" : "cluster node dead", node: run.node },
    );
    if (!gone) this.#nodesDeclaredDead += 1;
    this.#dropRemoteMembers(host, run.node, !gone);
    if (this.#connected && !gone) {
      // Should it be alive after all (a stalled process), it ends its side as this node did.
      this.#publish(rpcSubject(run.node), encodeFenced(this.run));
      void this.#registry.releaseAll(run);
    }
  }

  /**
   * Ends every membership across this node and `node`: the members of this node's rooms connected
   * through it leave (unreachable), and this node's clients in its rooms are told, when `tell`,
   * that the room closed (host unreachable).
   */
  #dropRemoteMembers(host: ClusterHost, node: string, tell = true): void {
    const now = this.#now();
    for (const member of this.#remote.take(node)) host.sessions.state.dropUnreachable(member, now);
    const closed: KaiwaEvent = {
      type: "room-closed",
      time: now,
      reason: CloseReason.HostUnreachable,
    };
    for (const member of this.#relay.takeOwner(node)) {
      if (tell) this.#tell(member, closed, true);
    }
  }

  /** Tells a relayed client `event` itself (its owner cannot any more). */
  #tell(member: RelayedMember, event: KaiwaEvent, closed: boolean): void {
    const host = this.#host;
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

  /**
   * Keeps this node's registry entries true: member counts follow the rooms (one write per room
   * whose count changed since the last heartbeat), an entry without a room goes, and a room whose
   * entry is gone (this node was
   * declared dead while cut off, and its entries deleted) is claimed again; a room whose name
   * another node took meanwhile closes here (host unreachable).
   */
  async #reconcile(host: ClusterHost): Promise<void> {
    const state = host.sessions.state;
    await this.#releaseOrphans(host);
    // Entries of this run without a room: a claim that timed out, yet was written.
    for (const [name, entry] of [...this.#registry.rooms]) {
      if (entry.node !== this.run.node || entry.incarnation !== this.run.incarnation) continue;
      if (!state.rooms.has(name) && !this.#claiming.has(name)) {
        await this.#registry.release(name, this.run);
      }
    }
    for (const room of [...state.rooms.values()]) {
      if (!room.open) continue;
      const entry = {
        ...this.run,
        password: room.password !== null,
        members: room.members.size,
      };
      const known = this.#registry.rooms.get(room.name);
      if (known !== undefined && known.node === this.run.node) {
        if (known.incarnation === this.run.incarnation && known.members !== entry.members) {
          await this.#registry.update(room.name, entry, known.revision);
        }
        continue;
      }
      if (known !== undefined) {
        host.sessions.log.info(`cluster: room "${room.name}" was taken by ${known.node}; closed`);
        state.dropUnreachable(room.host, this.#now());
        continue;
      }
      const result = await this.#registry.claim(room.name, entry).catch(() => "error");
      if (result === "claimed") {
        host.sessions.log.info(`cluster: room "${room.name}" claimed again`);
      }
    }
  }

  /**
   * Deletes the registry entries of runs nobody has heard of for the dead-after time (their node
   * died unseen, or this node's previous run left them): else their names stay taken for ever,
   * listed, refused to creates (RoomExists) and to joins (RoomNotFound). Compare-and-swap, as for
   * a node declared dead: a name taken again meanwhile is not touched.
   */
  async #releaseOrphans(host: ClusterHost): Promise<void> {
    const entries = [...this.#registry.rooms].map(([name, entry]) => [name, entry] as const);
    const alive = (run: NodeRun) =>
      (run.node === this.run.node && run.incarnation === this.run.incarnation) ||
      this.#liveness.isAlive(run);
    for (const [name, run] of this.#orphans.orphaned(entries, alive, this.#now())) {
      host.sessions.log.info(
        `cluster: room "${name}" of node ${run.node}, a run no node hears, is freed`,
        { event: "cluster orphan freed", room: name, node: run.node },
      );
      await this.#registry.release(name, run);
    }
  }
}

/** `promise`'s value, or undefined once `ms` passed first. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<undefined>((resolve) =>
    timer = setTimeout(() => resolve(undefined), ms)
  );
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}
