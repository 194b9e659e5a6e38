/**
 * A room and its members: who is in it, who hosts it, its message counter and the joins not yet
 * announced. One concept in one file: a member always belongs to exactly one room.
 *
 * @module
 */

import type { SealedChannel } from "../../protocol/mod.ts";
import { ChatLog } from "./chat_log.ts";
import type { MessageIds } from "./message_ids.ts";
import type { TokenBucket } from "./token_bucket.ts";

/**
 * A room's password hash, as the state keeps it: the state never reads it, it only compares
 * hashes by identity (a join must have been checked against the room's current hash).
 */
export interface PasswordHash {
  /** Random salt of this hash. */
  readonly salt: Uint8Array;
  /** The derived key, e.g. scrypt(password, salt). */
  readonly key: Uint8Array;
}

/** A chat room. Mutated only by the state module. */
export class Room {
  /** Room name, validated. */
  readonly name: string;
  /** The room name's UTF-8 bytes, compared against every datagram without decoding it. */
  readonly nameBytes: Uint8Array;
  /** Password hash, or null for an open room. */
  readonly password: PasswordHash | null;
  /** Members by username. */
  readonly members: Map<string, Member> = new Map();
  /** Members that joined since the last flush; announced together as one JOINED event. */
  pendingJoins: Member[] = [];
  /** How many times arrivals were announced; members note it to tell what they missed. */
  arrivalRound = 0;
  /** The creator; the room closes when it goes. Set right after construction. */
  host!: Member;
  /** False once closed. */
  open = true;
  /** Counts changes of {@link members}, so that what is derived from them knows it is stale. */
  membershipVersion = 0;
  /**
   * Its recent chat messages (`--room-buffer`, `--room-buffer-bytes`), to answer NACKs and to
   * give a kaiwa member that joins the room's recent past. A room costs its creator's source
   * (`--max-rooms-per-ip`), so this memory does too.
   */
  readonly chats: ChatLog;
  #seq = 0;

  /** Creates an empty room, keeping at most `buffer` recent messages of `bufferBytes` in all. */
  constructor(
    name: string,
    nameBytes: Uint8Array,
    password: PasswordHash | null,
    buffer = 0,
    bufferBytes = 0,
  ) {
    this.name = name;
    this.nameBytes = nameBytes;
    this.password = password;
    this.chats = new ChatLog(buffer, bufferBytes);
  }

  /** Seq of the latest chat message, 0 before the first. */
  get latestSeq(): number {
    return this.#seq;
  }

  /** The next chat sequence number (per room, from 1). */
  nextSeq(): number {
    this.#seq += 1;
    return this.#seq;
  }
}

/**
 * True when the `length` bytes of `bytes` from `start` (by default all of them) equal the room's
 * name bytes; the hot path compares a datagram's field in place, without decoding or a view.
 */
export function sameName(
  room: Room,
  bytes: Uint8Array,
  start = 0,
  length = bytes.length - start,
): boolean {
  const name = room.nameBytes;
  if (name.length !== length) return false;
  for (let i = 0; i < length; i++) {
    if (name[i] !== bytes[start + i]) return false;
  }
  return true;
}

/**
 * Where a member's datagrams come from and go to. Structurally a `Deno.NetAddr`, created once
 * when the member is bound, so sends never build an address object.
 */
export interface UdpAddress {
  /** Always "udp". */
  readonly transport: "udp";
  /** IP address as the sockets report it. */
  readonly hostname: string;
  /** UDP port. */
  readonly port: number;
  /** The server address it sends to, when the server has a socket bound there (§2.6). */
  readonly via?: string;
}

const nameEncoder = new TextEncoder();

/** Everything the server knows about a member. Mutated only by the state module. */
export class Member {
  /** Username, validated. */
  readonly name: string;
  /** The username's UTF-8 bytes, or null until it is first needed. */
  #nameBytes: Uint8Array | null;
  /** Session token (22 characters of base64url). */
  readonly token: string;
  /** True for kaiwa clients (binary events), false for standard ones (text). */
  readonly kaiwa: boolean;
  /**
   * IP address its last TCRP request came from (its join, or a resume, which may move it);
   * datagrams must come from it too.
   */
  ip: string;
  /** Its IP's key in the per-source tables (`sourceKey`: the IP, or its IPv6 /64). */
  source: string;
  /** The room it belongs to. */
  readonly room: Room;
  /** Flood control, or null when it is off. */
  readonly flood: TokenBucket | null;
  /**
   * Its session (docs/protocol.md §7), or null: then every datagram to and from it is sealed,
   * and a sealed datagram from any address proves it (roaming).
   */
  session: SealedChannel | null = null;
  /**
   * Where its datagrams go: the source of its valid datagrams once one came, before that the port
   * it announced on TCP (a hint), else null.
   */
  address: UdpAddress | null = null;
  /** True once {@link address} is where a valid datagram came from, not only an announcement. */
  addressSeen = false;
  /** Time of its last valid datagram (or of its join). */
  lastActive: number;
  /** When it was admitted, or last resumed; `--bind-timeout` counts from then. */
  admittedAt: number;
  /** When it last got an answer to Who, so Who is answered at most once per `--who-interval`. */
  lastWho = Number.NEGATIVE_INFINITY;
  /** False once it has left or was removed; queued work for it is then skipped. */
  active = true;
  /** True once the room was told it joined, so a quick leave is not announced alone. */
  announced = false;
  /**
   * The room's arrival round when this member was admitted, resumed, or last sent a valid
   * datagram: arrivals announced after it are told again when it (re-)binds.
   */
  admittedRound = 0;
  /** The room's arrival round that announced this member. */
  announcedRound = 0;
  /** Consecutive failed deliveries. */
  failures = 0;
  /** {@link lastActive} when the last failure was counted: if it moved since, the count restarts. */
  activeAtLastFailure = Number.NaN;
  /** When it was last told to slow down, so the notice is not repeated more than once a second. */
  lastRateNotice = Number.NEGATIVE_INFINITY;
  /**
   * Its recently relayed message ids (ChatWithId), so that a resend is relayed only once; made on
   * its first ChatWithId (standard members never send one: an empty map per member is memory).
   */
  messageIds: MessageIds | null = null;
  /** Its NACKs' rate limit, made on its first NACK (most members never send one). */
  nacks: TokenBucket | null = null;
  /**
   * The lowest seq of its room it may ask for again (NACK): the first one relayed after it was
   * admitted, or the oldest of the history it was given. What came before is not its to read.
   */
  firstSeq: number;
  /** True once it was sent the room's history (its first verified address after joining or resuming). */
  historySent = false;

  /** Creates a member; the registry adds it to its room. */
  constructor(init: {
    name: string;
    /** The username's UTF-8 bytes, when the caller has them; else made on first use. */
    nameBytes?: Uint8Array;
    token: string;
    kaiwa: boolean;
    ip: string;
    source: string;
    room: Room;
    flood: TokenBucket | null;
    now: number;
  }) {
    this.name = init.name;
    this.#nameBytes = init.nameBytes ?? null;
    this.token = init.token;
    this.kaiwa = init.kaiwa;
    this.ip = init.ip;
    this.source = init.source;
    this.room = init.room;
    this.flood = init.flood;
    this.lastActive = init.now;
    this.admittedAt = init.now;
    this.firstSeq = init.room.latestSeq + 1;
  }

  /**
   * The username's UTF-8 bytes, encoded on its first message and kept for every later one: most
   * members of a large server say nothing for long, and a byte array costs each of them about
   * 100 bytes.
   */
  get nameBytes(): Uint8Array {
    return this.#nameBytes ??= nameEncoder.encode(this.name);
  }

  /** True when it is the host of its room. */
  get isHost(): boolean {
    return this.room.host === this;
  }
}
