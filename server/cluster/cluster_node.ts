/**
 * One node of a kaiwa cluster (docs/cluster.md): its NATS connection, the room registry, and the
 * three roles it plays at once. As a room's owner it runs the room's state for every member
 * ({@link OwnerSide}); as a member node it relays its clients in other nodes' rooms
 * ({@link MemberSide}); as a peer it sends heartbeats, declares silent nodes dead, and keeps its
 * registry entries true.
 *
 * @module
 */

import { connect, type Msg, type NatsConnection } from "@nats-io/transport-node";
import { type RoomSummary, Status, type TcrpFrame } from "../../protocol/mod.ts";
import type { StateEvents } from "../state/mod.ts";
import type { RemoteAnswer, RoomDirectory } from "../tcp/mod.ts";
import type { PeerAddress } from "../udp/mod.ts";
import { MS_PER_SECOND } from "../../util/mod.ts";
import { Liveness, type NodeRun } from "./liveness.ts";
import { MemberSide } from "./member_side.ts";
import type { ClusterHost, NodeLink } from "./node_link.ts";
import { OrphanedEntries } from "./orphans.ts";
import { OwnerSide } from "./owner_side.ts";
import { RoomRegistry } from "./registry.ts";
import {
  decodeFenced,
  decodeJoinRequest,
  decodeTokenOp,
  encodeFenced,
  RpcOp,
} from "./rpc_messages.ts";
import {
  downSubject,
  type Heartbeat,
  HEARTBEAT_SUBJECT,
  joinedSubjects,
  rpcSubject,
  upSubject,
} from "./subjects.ts";

export type { ClusterHost } from "./node_link.ts";

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

/**
 * The longest a stopping node waits for the registry and for its last messages to go out: the
 * whole stop stays within a couple of seconds even with the broker gone.
 */
const STOP_WAIT_MS = 1_000;
/** The most KV replicas: a NATS cluster of three keeps the registry through one server's death. */
const MAX_REPLICAS = 3;
/**
 * How long a starting node waits for the registry: a NATS cluster that just started elects its
 * JetStream leaders first (≈6 s for three servers on loopback).
 */
const REGISTRY_OPEN_MS = 30_000;
/**
 * Time between two purges of the registry's old delete markers (ms): they only bound the broker's
 * store, so once a minute is plenty, against a marker age of minutes.
 */
const MARKER_UPKEEP_MS = 60_000;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

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
  readonly #owner: OwnerSide;
  readonly #member: MemberSide;
  #host: ClusterHost | null = null;
  #timer: ReturnType<typeof setInterval> | undefined;
  #connected = true;
  /** When the broker was lost (ms), while {@link brokerConnected} is false. */
  #disconnectedAt = 0;
  #nodesDeclaredDead = 0;
  /** True while a reconciliation runs: a stalled registry must not pile them up. */
  #reconciling = false;
  /** True while old delete markers are being purged (at most once a MARKER_UPKEEP_MS). */
  #purging = false;
  /** When this node last purged the registry's old delete markers (ms); at start, never. */
  #markersPurgedAt = -Infinity;
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
    const link: NodeLink = {
      run: this.run,
      host: () => this.#host,
      now: () => this.#now(),
      publish: (subject, data, reply) => this.#publish(subject, data, reply),
      heard: (run) => this.#liveness.seen(run, this.#now()),
    };
    this.#owner = new OwnerSide(link);
    this.#member = new MemberSide(link);
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
    this.#subscribe(rpcSubject(node), (msg) => this.#rpc(host, msg));
    this.#subscribe(joinedSubjects(this.run), (msg) => this.#member.joined(msg));
    this.#subscribe(upSubject(node), (msg) => this.#owner.receiveUp(host, msg));
    this.#subscribe(downSubject(node), (msg) => this.#member.receiveDown(host, msg));
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
    return this.#member.relayIn(bytes, hostname, port, local);
  }

  /** True when `address` is a member's connected through another node. */
  isRemote(address: PeerAddress): boolean {
    return this.#owner.isRemote(address);
  }

  /** Sends a datagram to a member connected through another node ({@link isRemote}). */
  deliver(bytes: Uint8Array, address: PeerAddress): void {
    this.#owner.deliver(bytes, address);
  }

  /**
   * The node stops: the others are told at once (its rooms' members elsewhere got the state's
   * goodbye), its registry entries go, and its clients in other nodes' rooms are told.
   */
  async shutdown(): Promise<void> {
    this.#member.tellShutdown();
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
    this.#member.close();
    this.#owner.flush();
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
    return await this.#member.join(entry.node, frame, ip, session);
  }

  /**
   * A request to this node: a join of one of its rooms, a token withdrawn or a port announced by
   * a member's node, or a node saying it declared this one dead.
   */
  #rpc(host: ClusterHost, msg: Msg): void {
    if (msg.data.length === 0) return;
    if (msg.data[0] === RpcOp.Fenced) {
      const by = decodeFenced(msg.data);
      // It ended its side of our rooms' memberships: this node ends the other side.
      if (by !== null) this.#endMemberships(host, by.node, true);
      return;
    }
    if (msg.data[0] === RpcOp.Withdraw || msg.data[0] === RpcOp.Announce) {
      const op = decodeTokenOp(msg.data);
      if (op !== null) this.#owner.tokenOp(host, op);
      return;
    }
    const request = decodeJoinRequest(msg.data);
    if (request === null) return;
    this.#noteAlive(request.from);
    void this.#owner.admit(host, request, msg);
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
      this.#member.sweep(now, host.relayIdleMs);
      this.#owner.sweep();
      if (this.#connected && !this.#reconciling) {
        this.#reconciling = true;
        void this.#reconcile(host).finally(() => this.#reconciling = false);
      }
      // In a flight of its own: a long purge (a broker store full of old markers, a scan for
      // those missed past the cap) must not hold up the reconciling above (counts, orphans,
      // rooms to claim again).
      if (this.#connected && !this.#purging) {
        this.#purging = true;
        void this.#purgeMarkers(host).finally(() => this.#purging = false);
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
    this.#endMemberships(host, run.node, !gone);
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
  #endMemberships(host: ClusterHost, node: string, tell: boolean): void {
    this.#owner.dropMembersOf(host, node);
    this.#member.endRoomsOf(node, tell);
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

  /** Purges the registry's old delete markers, at most once a {@link MARKER_UPKEEP_MS}. */
  async #purgeMarkers(host: ClusterHost): Promise<void> {
    const now = this.#now();
    if (now - this.#markersPurgedAt < MARKER_UPKEEP_MS) return;
    this.#markersPurgedAt = now;
    // A failed purge is tried again next time: worth a verbose line, not one a minute at info.
    await this.#registry.purgeMarkers(now).catch((error) =>
      host.sessions.log.verbose(`cluster: purging old registry delete markers failed: ${error}`)
    );
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
