/**
 * The server state: rooms, members and tokens, and every rule about who is in which room.
 * No sockets and no timers: front ends call it with the current time, and it reports what must
 * be sent through a {@link Notifier}.
 *
 * @module
 */

import {
  CloseReason,
  LeaveReason,
  NoticeCode,
  RemoveReason,
  type RoomSummary,
  type SessionGrant,
  Status,
} from "../../protocol/mod.ts";
import { MS_PER_SECOND } from "../../util/mod.ts";
import { type DropCounters, DropReason, newDropCounters } from "./counters.ts";
import type { Admission, AdmissionRequest, StateConfig } from "./admission.ts";
import { type DatagramOps, handleDatagram } from "./datagrams.ts";
import { Arrivals } from "./arrivals.ts";
import { eachItem } from "./each_item.ts";
import { expiryOf, isUnreachable, REBIND_QUIET_MS } from "./expiry.ts";
import type { StateEvents } from "./events.ts";
import type { Notifier } from "./notifier.ts";
import { heldBytes } from "./chat_log.ts";
import { SourceLimiter } from "./source_limiter.ts";
import { MessageIds } from "./message_ids.ts";
import { Member, type PasswordHash, Room, type UdpAddress } from "./room.ts";
import { Roster } from "./roster.ts";
import { SourceCounts } from "./source_counts.ts";
import { sourceKey } from "./source_key.ts";
import { TokenBucket } from "./token_bucket.ts";
import { randomToken, type TokenGenerator } from "./tokens.ts";

/** Shortest gap between two "slow down" notices to the same member. */
const RATE_NOTICE_INTERVAL_MS = MS_PER_SECOND;
/**
 * A source's chat burst, in seconds of its rate (`--ip-flood-rate`): 2 s, so that with the
 * defaults (4 × 5 messages/s) a source bursts 4 × the 10 messages one member may.
 */
const IP_FLOOD_BURST_SECONDS = 2;
/**
 * NACKs a member may send per second, each answered by at most MAX_NACK_RANGE (64) events: a
 * client asks once per gap that does not close by itself, so a few a second cover a lossy link.
 */
export const NACK_RATE = 4;
/** NACKs a member may send at once: two seconds of {@link NACK_RATE}. */
export const NACK_BURST = 8;
/**
 * Most bytes of history one join is sent (each message counted as the ring buffer counts it):
 * with `--history` 50 of the largest messages (4 KiB) a join would get 200 KiB; it gets the
 * latest 64 KiB of them.
 */
export const HISTORY_MAX_BYTES = 64 * 1024;

const LEAVE_TO_CLOSE: Record<LeaveReason, CloseReason> = {
  [LeaveReason.Left]: CloseReason.HostLeft,
  [LeaveReason.TimedOut]: CloseReason.HostTimedOut,
  [LeaveReason.Unreachable]: CloseReason.HostUnreachable,
};

/** A bound address; `via` only when there is one, so addresses compare equal to plain ones. */
function udpAddress(hostname: string, port: number, via: string | undefined): UdpAddress {
  return via === undefined
    ? { transport: "udp", hostname, port }
    : { transport: "udp", hostname, port, via };
}

/**
 * All rooms and members of one server.
 *
 * @example
 * ```ts
 * const state = new ServerState(config, notifier, stateLog(new Logger("quiet")));
 * const { status, member } = state.createRoom(request, null, Date.now());
 * ```
 */
export class ServerState implements DatagramOps {
  /** Rooms by name. Read-only for everything outside the state. */
  readonly rooms: Map<string, Room> = new Map();
  /** Datagrams dropped without an answer, by reason. */
  readonly counters: DropCounters = newDropCounters();
  readonly #roster: Roster;
  readonly #arrivals: Arrivals;
  readonly #requests: SourceLimiter;
  readonly #chatBySource: SourceLimiter;
  readonly #sources = new SourceCounts();
  readonly #config: StateConfig;
  readonly #notifier: Notifier;
  readonly #events: StateEvents;

  /** Creates an empty state that sends through `notifier` and reports to `events`. */
  constructor(
    config: StateConfig,
    notifier: Notifier,
    events: StateEvents,
    newToken: TokenGenerator = randomToken,
  ) {
    this.#config = config;
    this.#notifier = notifier;
    this.#events = events;
    this.#roster = new Roster(newToken);
    this.#arrivals = new Arrivals(notifier);
    this.#requests = new SourceLimiter(config.joinRate);
    this.#chatBySource = new SourceLimiter(
      config.ipFloodRate,
      config.ipFloodRate * IP_FLOOD_BURST_SECONDS,
    );
  }

  /** The limits in force. */
  get config(): Readonly<StateConfig> {
    return this.#config;
  }

  /** Number of members with a token, over all rooms. */
  get memberCount(): number {
    return this.#roster.size;
  }

  /** Number of distinct UDP addresses members are bound to. */
  get boundAddressCount(): number {
    return this.#roster.boundAddressCount;
  }

  /** The member holding `token`, if any. */
  memberByToken(token: string): Member | undefined {
    return this.#roster.byToken(token);
  }

  /** The member whose token is the `length` bytes of `bytes` from `start`, if any. */
  memberByTokenBytes(bytes: Uint8Array, start: number, length: number): Member | undefined {
    return this.#roster.byTokenBytes(bytes, start, length);
  }

  /** The member whose session has id `id`, if any. */
  memberBySession(id: number): Member | undefined {
    return this.#roster.bySession(id);
  }

  /** Number of live sessions. */
  get sessionCount(): number {
    return this.#roster.sessionCount;
  }

  /**
   * Gives a kaiwa `member` a fresh session (docs/protocol.md §7.1), ending any it had; the front
   * end sends the grant over TLS only. From then on its datagrams are sealed both ways.
   */
  openSession(member: Member): SessionGrant {
    return this.#roster.openSession(member);
  }

  /** Counts a dropped datagram and reports it. */
  countDrop(reason: DropReason, from: string): void {
    this.counters[reason] += 1;
    this.counters.total += 1;
    this.#events.datagramDropped(reason, from);
  }

  /**
   * Handles one datagram from `hostname`:`port`: authenticates it, then runs what it asks for.
   * `local` is the server address it was sent to, when it arrived on a socket bound to that one
   * address: replies to the member leave from there (§2.6). `bytes` may be a view of a reused
   * receive buffer: it is only read during the call.
   */
  receive(bytes: Uint8Array, hostname: string, port: number, now: number, local?: string): void {
    handleDatagram(this, bytes, hostname, port, now, local);
  }

  /**
   * A valid datagram (right room and token) from `member` came from `hostname`:`port` (its IP,
   * checked by the caller): binds the member there and marks it active. The first one binds,
   * whatever port was announced (a NAT may rewrite it); one from another port re-binds only once
   * the bound port has been quiet for {@link REBIND_QUIET_MS} (a NAT rebinding), and is dropped
   * before that (false), so a datagram replayed from another port cannot take a live binding.
   */
  touch(member: Member, hostname: string, port: number, now: number, local?: string): boolean {
    const address = member.address;
    const moved = address === null || address.port !== port || address.via !== local ||
      address.hostname !== hostname;
    if (address === null || !member.addressSeen) {
      if (moved) this.#bind(member, udpAddress(hostname, port, local), now);
      member.addressSeen = true;
      this.#sendHistory(member);
    } else if (moved) {
      if (now - member.lastActive < REBIND_QUIET_MS) {
        this.countDrop(DropReason.WrongAddress, hostname);
        return false;
      }
      this.#bind(member, udpAddress(hostname, port, local), now);
    }
    member.lastActive = now;
    // What was announced until now reached this address: a later re-bind tells only what follows.
    member.admittedRound = member.room.arrivalRound;
    return true;
  }

  /**
   * A sealed datagram proved `member` from `hostname`:`port` (§7.5): it is re-bound there at
   * once, IP and port, and counted against its new source in every per-source table.
   */
  roam(member: Member, hostname: string, port: number, now: number, local?: string): void {
    if (member.ip !== hostname) {
      // Not refused at a full source: it is no new member, and it proved itself.
      this.#moveSource(member, sourceKey(hostname));
      member.ip = hostname;
    }
    const address = member.address;
    if (
      address === null || address.hostname !== hostname || address.port !== port ||
      address.via !== local
    ) {
      this.#bind(member, udpAddress(hostname, port, local), now);
    }
    member.addressSeen = true;
    this.#sendHistory(member);
    member.lastActive = now;
    member.admittedRound = member.room.arrivalRound;
  }

  /**
   * Relays `text` (UTF-8, validated) from `sender` to its room, within its flood limit; the room's
   * pending arrivals are announced first, and the room's ring buffer keeps it. With a client
   * message `id` (ChatWithId) that the sender had relayed recently, nothing is relayed: the
   * sender alone gets the confirmation, its original Chat event (same seq and time). Such a
   * resend takes nothing from the flood limit: it costs the room nothing, and its answer is one
   * datagram of its own size to an address its token (and IP, or session) proved.
   */
  chat(sender: Member, text: Uint8Array, now: number, id?: number): void {
    const room = sender.room;
    if (id !== undefined) {
      const relayed = sender.messageIds?.get(id);
      if (relayed !== undefined) {
        // The original when the room still holds it, else the same event made again from the
        // resend (its id promises the same text).
        const chat = room.chats.get(relayed.seq) ??
          { seq: relayed.seq, time: relayed.time, sender: sender.nameBytes, text };
        this.#notifier.resend(sender, chat, false);
        return;
      }
    }
    if (!this.#withinFloodLimit(sender, now)) return;
    this.announceArrivals(room, now);
    const seq = room.nextSeq();
    room.chats.add(seq, now, sender.nameBytes, text);
    if (id !== undefined) (sender.messageIds ??= new MessageIds()).remember(id, seq, now);
    this.#notifier.chat(room, sender, seq, text, now);
  }

  /**
   * A kaiwa member's NACK (docs/protocol.md §3.2): the Chat events of `from`..`to` its room still
   * holds, to it alone, with their original seq and time; before them one Gap for the part the
   * room no longer holds (fallen out of the ring buffer, or from before the member could read
   * it). Seqs beyond the room's latest are not answered: they were never sent, and a Gap would
   * make the client skip messages still to come. At most MAX_NACK_RANGE events an answer (the
   * decoder refuses larger ranges), and {@link NACK_RATE} NACKs a second per member: one over
   * its limit is dropped and counted as a flood.
   */
  nack(member: Member, from: number, to: number, now: number): void {
    member.nacks ??= new TokenBucket(NACK_RATE, NACK_BURST, now);
    if (!member.nacks.take(now)) return this.countDrop(DropReason.Flood, member.ip);
    const room = member.room;
    const held = Math.max(room.chats.oldestSeq, member.firstSeq);
    const goneFrom = Math.max(from, 1);
    const goneTo = Math.min(to, held - 1, room.latestSeq);
    if (goneFrom <= goneTo) this.#notifier.gap(member, goneFrom, goneTo, now);
    const last = Math.min(to, room.latestSeq);
    for (let seq = Math.max(from, held); seq <= last; seq++) {
      const chat = room.chats.get(seq);
      if (chat !== undefined) this.#notifier.resend(member, chat, false);
    }
  }

  /**
   * Sends `member` its room's member list (kaiwa's Who): at most once per `whoIntervalSeconds`,
   * a limit of its own, far below chat's, as the answer is far larger than the request. A Who
   * too soon is dropped (counted as a flood) and told so by a notice, at most once a second.
   */
  who(member: Member, now: number): void {
    if (now - member.lastWho < this.#config.whoIntervalSeconds * MS_PER_SECOND) {
      this.countDrop(DropReason.Flood, member.ip);
      // Said, so that a person's second /who is not met by silence; at most once a second, so
      // that the answer to a Who flood stays a small notice.
      if (now - member.lastRateNotice >= RATE_NOTICE_INTERVAL_MS) {
        member.lastRateNotice = now;
        this.#notifier.notice(member, NoticeCode.WhoTooSoon, now);
      }
      return;
    }
    member.lastWho = now;
    this.#notifier.members(member, now);
  }

  /**
   * Answers a kaiwa member's ping, with its room's latest seq when `withLatest` (the ping asked
   * for it): the client's only way to notice that the last message before a silence was lost
   * (docs/protocol.md §3.2, tail loss); a client from before that field gets an empty Pong. Never
   * rate limited: clients use it to tell the server lives. In a cluster this runs at the room's
   * owner (a member node relays the ping), the one node that gives the room its seqs.
   */
  ping(member: Member, now: number, withLatest = false): void {
    this.#notifier.pong(member, withLatest ? member.room.latestSeq : undefined, now);
  }

  /** Tells `member` that what it sent was refused for `code` (bad text, unknown command). */
  refuse(member: Member, code: NoticeCode, now: number): void {
    this.#notifier.notice(member, code, now);
  }

  /** Sources whose request rate is tracked; forgotten by {@link sweep} once idle. */
  get trackedRequestIps(): number {
    return this.#requests.size;
  }

  /** Sources whose chat rate is tracked (`--ip-flood-rate`); forgotten by {@link sweep} once idle. */
  get trackedChatSources(): number {
    return this.#chatBySource.size;
  }

  /** Sources (IPv4 addresses, IPv6 /64s) holding members or rooms. */
  get trackedSources(): number {
    return this.#sources.size;
  }

  /**
   * Per-source request limit: false when `ip`'s source (the address, or its IPv6 /64) sent more
   * TCRP requests than joinRate allows.
   */
  allowRequest(ip: string, now: number): boolean {
    return this.#requests.allow(sourceKey(ip), now);
  }

  /** A summary of every room, for ListRooms. */
  listRooms(): RoomSummary[] {
    const list: RoomSummary[] = [];
    for (const room of this.rooms.values()) {
      list.push({ name: room.name, members: room.members.size, password: room.password !== null });
    }
    return list;
  }

  /** Creates a room with the requester as its host. */
  createRoom(request: AdmissionRequest, password: PasswordHash | null, now: number): Admission {
    if (this.rooms.has(request.roomName)) return { status: Status.RoomExists, member: null };
    if (this.rooms.size >= this.#config.maxRooms) {
      return { status: Status.ServerFull, member: null };
    }
    const source = sourceKey(request.ip);
    if (this.#sources.rooms(source) >= this.#config.maxRoomsPerIp) {
      return { status: Status.TooManyRequests, member: null };
    }
    const refused = this.#memberCapStatus(source);
    if (refused !== null) return { status: refused, member: null };
    const room = new Room(
      request.roomName,
      request.roomNameBytes,
      password,
      this.#config.roomBuffer,
      this.#config.roomBufferBytes,
    );
    const member = this.#newMember(room, request, source, now);
    room.host = member;
    this.#sources.add(source, 0, 1);
    this.rooms.set(room.name, room);
    this.#events.roomCreated(room, member);
    // The creator's arrival is never announced: there was nobody to tell.
    member.announced = true;
    this.#admit(room, member);
    return { status: Status.Ok, member };
  }

  /**
   * The password hash of a room: undefined when there is no such room, null when it is open.
   * The front end verifies the password (asynchronously) before calling {@link joinRoom}.
   */
  passwordOf(roomName: string): PasswordHash | null | undefined {
    return this.rooms.get(roomName)?.password;
  }

  /**
   * Adds the requester to a room. `verified` is the hash its password was checked against: the
   * room may have been closed and re-created during the check, so the same hash is required.
   */
  joinRoom(request: AdmissionRequest, verified: PasswordHash | null, now: number): Admission {
    const room = this.rooms.get(request.roomName);
    if (room === undefined) return { status: Status.RoomNotFound, member: null };
    if (room.password !== null && room.password !== verified) {
      return { status: Status.WrongPassword, member: null };
    }
    const held = request.resume === undefined ? undefined : this.#roster.byToken(request.resume);
    if (held !== undefined && held.room === room && held.name === request.username) {
      return this.#resume(held, request, now);
    }
    if (room.members.has(request.username)) return { status: Status.NameTaken, member: null };
    if (room.members.size >= this.#config.maxRoomMembers) {
      return { status: Status.RoomFull, member: null };
    }
    const source = sourceKey(request.ip);
    const refused = this.#memberCapStatus(source);
    if (refused !== null) return { status: refused, member: null };
    const member = this.#newMember(room, request, source, now);
    this.#events.memberJoined(member);
    this.#admit(room, member);
    return { status: Status.Ok, member };
  }

  /**
   * `member` proved its token over TCP (a join with `resume`, §2.5): it stays the same member
   * (same token, still host if it was; no join or leave notices), now at the request's IP. Its
   * UDP address stays where deliveries go, but only as a hint: its next valid datagram, from
   * wherever, binds it at once (a resume that raced a working binding loses nothing). Moving to
   * another source counts against that source's member and room caps, so resumes cannot gather
   * members or rooms past them.
   */
  #resume(member: Member, request: AdmissionRequest, now: number): Admission {
    const source = sourceKey(request.ip);
    if (source !== member.source) {
      const rooms = member.isHost ? 1 : 0;
      if (
        this.#sources.members(source) >= this.#config.maxMembersPerIp ||
        this.#sources.rooms(source) + rooms > this.#config.maxRoomsPerIp
      ) {
        return { status: Status.TooManyRequests, member: null };
      }
      this.#moveSource(member, source);
    }
    member.ip = request.ip;
    // A resumed member starts again: a session, if it asks, is a fresh one (§7.1), and the
    // room's recent past is sent again, for what it may have missed while it was away.
    this.#roster.closeSession(member);
    member.historySent = false;
    member.addressSeen = false;
    member.lastActive = now;
    member.admittedAt = now;
    member.failures = 0;
    // Arrivals announced from now until it binds are told then (standard members).
    member.admittedRound = member.room.arrivalRound;
    this.#events.memberResumed(member);
    return { status: Status.Ok, member, resumed: true };
  }

  /**
   * Binds a member to the UDP port it announced on TCP, unless a datagram bound it already: a
   * hint, where deliveries go until its first valid datagram binds it to its real source. `via`
   * is where its datagrams go when that is not this server's own socket (a node of a cluster).
   */
  announcePort(member: Member, port: number, now: number, via?: string): void {
    if (!member.active || member.address !== null) return;
    this.#bind(member, udpAddress(member.ip, port, via), now);
  }

  /**
   * Binds (or re-binds) a member to a UDP address and tells it what may not have reached it
   * there: a kaiwa member gets the member list; a standard member, whose protocol has no list,
   * gets the arrivals announced since its address last proved itself (its last valid datagram,
   * else its admission or resume). So no arrival goes untold, whenever it binds.
   */
  #bind(member: Member, address: UdpAddress, now: number): void {
    this.#roster.bind(member, address);
    this.#events.memberBound(member);
    if (member.kaiwa) this.#notifier.members(member, now);
    else this.#arrivals.tellMissed(member, now);
  }

  /**
   * A kaiwa member's first verified address (a valid datagram: token and IP, or its session) gets
   * the room's last `--history` messages, oldest first, as History events: at most
   * {@link HISTORY_MAX_BYTES} of them, once per admission or resume (a client back from a lost
   * connection gets what it may have missed; what it already showed it drops by seq). A mere
   * announced port never does.
   */
  #sendHistory(member: Member): void {
    if (!member.kaiwa || member.historySent) return;
    member.historySent = true;
    const count = Math.min(this.#config.history, this.#config.roomBuffer);
    if (count <= 0) return;
    const chats = member.room.chats.last(count);
    let start = chats.length;
    let bytes = 0;
    while (start > 0 && bytes + heldBytes(chats[start - 1]) <= HISTORY_MAX_BYTES) {
      start -= 1;
      bytes += heldBytes(chats[start]);
    }
    if (start === chats.length) return;
    member.firstSeq = Math.min(member.firstSeq, chats[start].seq);
    for (let i = start; i < chats.length; i++) this.#notifier.resend(member, chats[i], true);
  }

  /** Takes back a token that never reached its client (the TCP write failed): no announcement. */
  withdraw(member: Member, now: number): void {
    if (!member.active) return;
    if (member.isHost) this.#closeRoom(member.room, CloseReason.HostLeft, member, now);
    else this.#remove(member);
  }

  /** The member asked to leave (`/exit` or Leave). */
  leave(member: Member, now: number): void {
    this.#depart(member, LeaveReason.Left, now);
  }

  /**
   * `member` did not come back in time (a browser member held after its WebSocket ended, whose
   * grace ran out): it goes as a silent member does, told as timed out, since nothing says it
   * chose to leave (a closed tab and a phone that lost its network look the same).
   */
  timeOut(member: Member, now: number): void {
    if (!member.active) return;
    this.#events.memberTimedOut(member);
    this.#depart(member, LeaveReason.TimedOut, now);
  }

  /** Announces the members that joined since the last flush, one event per room. */
  flushJoins(now: number): void {
    this.#arrivals.flush(now);
  }

  /**
   * Announces a room's pending arrivals now. The relay calls it before each chat message, so
   * that nobody reads a newcomer's words before learning that it arrived.
   */
  announceArrivals(room: Room, now: number): void {
    this.#arrivals.announce(room, now);
  }

  /**
   * Applies timeouts: removes silent members, members never bound in time and kaiwa members both
   * unreachable and silent ({@link expiryOf}); forgets idle request limits.
   */
  sweep(now: number): void {
    const expired: [Member, LeaveReason][] = [];
    for (const room of this.rooms.values()) {
      for (const member of room.members.values()) {
        const reason = expiryOf(member, now, this.#config);
        if (reason !== null) expired.push([member, reason]);
      }
    }
    this.#requests.sweep(now);
    this.#chatBySource.sweep(now);
    eachItem(expired, ([member, reason]) => {
      // A host removed earlier in this loop closed its room and deactivated everyone in it.
      if (!member.active) return;
      if (reason === LeaveReason.Unreachable) return this.#unreachable(member, now);
      this.#events.memberTimedOut(member);
      try {
        this.#notifier.removed(member, RemoveReason.Inactivity, now);
      } finally {
        this.#depart(member, LeaveReason.TimedOut, now);
      }
    });
  }

  /**
   * A delivery to `member` failed: a hint, never a verdict on its own (ICMP errors are easy to
   * forge). After a few in a row the member is suspect, and removed as unreachable only when it
   * is also silent ({@link isUnreachable}: kaiwa members only). A valid datagram since the
   * previous failure proves it still there: the count starts again (the fast path learns of
   * failures only, from ICMP errors, never of successes).
   */
  deliveryFailed(member: Member, now: number): void {
    if (!member.active) return;
    if (member.lastActive !== member.activeAtLastFailure) member.failures = 0;
    member.activeAtLastFailure = member.lastActive;
    member.failures += 1;
    if (isUnreachable(member, now)) this.#unreachable(member, now);
  }

  /**
   * An ICMP error said `hostname`:`port` cannot be reached (port, host or network unreachable)
   * for a datagram sent there: a failed delivery for each member bound to that address.
   */
  unreachable(hostname: string, port: number, now: number): void {
    eachItem(
      this.#roster.at(hostname, port),
      (member) => this.deliveryFailed(member, now),
    );
  }

  /**
   * `member` cannot be reached any more, on another's word rather than from failed deliveries: the
   * node of a cluster its datagrams go through was declared dead (docs/cluster.md). It leaves as
   * unreachable; a host's room closes (host unreachable).
   */
  dropUnreachable(member: Member, now: number): void {
    if (member.active) this.#unreachable(member, now);
  }

  /** The server stops: every member of every room is told, then everything is forgotten. */
  shutdown(now: number): void {
    try {
      eachItem(this.rooms.values(), (room) => this.#notifier.shutdown(room, now));
    } finally {
      for (const room of this.rooms.values()) {
        for (const member of room.members.values()) member.active = false;
        room.open = false;
      }
      this.rooms.clear();
      this.#roster.clear();
      this.#sources.clear();
    }
  }

  #unreachable(member: Member, now: number): void {
    this.#events.memberUnreachable(member);
    this.#depart(member, LeaveReason.Unreachable, now);
  }

  /** Within both the member's own limit and its source's (all its members together). */
  #withinFloodLimit(member: Member, now: number): boolean {
    if (
      (member.flood === null || member.flood.take(now)) &&
      this.#chatBySource.allow(member.source, now)
    ) return true;
    this.countDrop(DropReason.Flood, member.ip);
    if (now - member.lastRateNotice >= RATE_NOTICE_INTERVAL_MS) {
      member.lastRateNotice = now;
      this.#notifier.notice(member, NoticeCode.RateLimited, now);
    }
    return false;
  }

  /** Counts `member` (and its room, for a host) against `source` instead of its own. */
  #moveSource(member: Member, source: string): void {
    if (source === member.source) return;
    const rooms = member.isHost ? 1 : 0;
    this.#sources.add(member.source, -1, -rooms);
    this.#sources.add(source, 1, rooms);
    member.source = source;
  }

  /** ServerFull or TooManyRequests when one more member from `source` is over a cap, else null. */
  #memberCapStatus(source: string): Exclude<Status, typeof Status.Ok> | null {
    if (this.#roster.size >= this.#config.maxMembers) return Status.ServerFull;
    if (this.#sources.members(source) >= this.#config.maxMembersPerIp) {
      return Status.TooManyRequests;
    }
    return null;
  }

  #newMember(room: Room, request: AdmissionRequest, source: string, now: number): Member {
    const flood = this.#config.floodRate > 0
      ? new TokenBucket(this.#config.floodRate, this.#config.floodBurst, now)
      : null;
    return new Member({
      name: request.username,
      token: this.#roster.issueToken(),
      kaiwa: request.kaiwa,
      ip: request.ip,
      source,
      room,
      flood,
      now,
    });
  }

  #admit(room: Room, member: Member): void {
    room.members.set(member.name, member);
    room.membershipVersion += 1;
    this.#arrivals.admitted(room, member);
    this.#roster.add(member);
    this.#sources.add(member.source, 1);
  }

  #depart(member: Member, reason: LeaveReason, now: number): void {
    if (!member.active) return;
    const room = member.room;
    if (member.isHost) {
      this.#closeRoom(room, LEAVE_TO_CLOSE[reason], member, now);
      return;
    }
    this.#remove(member);
    this.#events.memberLeft(member, reason);
    // A member that leaves before its arrival was announced leaves unannounced too.
    if (member.announced && room.members.size > 0) {
      this.#notifier.left(room, [member.name], reason, now);
    }
  }

  #closeRoom(room: Room, reason: CloseReason, except: Member | null, now: number): void {
    if (!room.open) return;
    try {
      this.#notifier.roomClosed(room, reason, except, now);
    } finally {
      // Even when telling the members failed, the room must go: nothing else would remove it.
      room.open = false;
      for (const member of room.members.values()) {
        member.active = false;
        this.#roster.remove(member);
        this.#sources.add(member.source, -1);
      }
      this.#sources.add(room.host.source, 0, -1);
      room.members.clear();
      this.#arrivals.forget(room);
      this.rooms.delete(room.name);
      this.#events.roomClosed(room, reason);
    }
  }

  // Only ever called for a member that is not the host, so its room is never left empty: the
  // host's departure closes the room instead.
  #remove(member: Member): void {
    member.active = false;
    member.room.members.delete(member.name);
    member.room.membershipVersion += 1;
    this.#roster.remove(member);
    this.#sources.add(member.source, -1);
  }
}
