/**
 * Every value that appears on the wire, named. Section numbers point at `docs/protocol.md`.
 *
 * @module
 */

/** Size of a TCRP header in bytes (§2.1). */
export const TCRP_HEADER_SIZE = 32;
/** Offset of RoomNameSize inside the header (§2.1). */
export const TCRP_ROOM_NAME_SIZE_OFFSET = 0;
/** Offset of Operation inside the header (§2.1). */
export const TCRP_OPERATION_OFFSET = 1;
/** Offset of State inside the header (§2.1). */
export const TCRP_STATE_OFFSET = 2;
/** Width of the header's OperationPayloadSize field: a big-endian unsigned integer (§2.1). */
export const TCRP_PAYLOAD_SIZE_BYTES = 29;
/** Offset of OperationPayloadSize inside the header (§2.1). */
export const TCRP_PAYLOAD_SIZE_OFFSET = 3;
/**
 * Default largest OperationPayloadSize a receiver accepts (§2.1). A larger declared size is
 * refused from the header alone, before anything is allocated or read.
 */
export const DEFAULT_MAX_PAYLOAD_SIZE = 64 * 1024;

/** TCRP operations (§2.2). */
export const Operation = {
  /** Create a room; the creator becomes its host. */
  CreateRoom: 1,
  /** Join an existing room. */
  JoinRoom: 2,
  /** List the rooms (kaiwa extension; the room name is empty). */
  ListRooms: 3,
} as const;
/** A TCRP operation code. */
export type Operation = typeof Operation[keyof typeof Operation];

/** TCRP states (§2.3). */
export const State = {
  /** Client → server request. */
  Request: 0,
  /** Server → client response; the payload is one status byte. */
  Response: 1,
  /** Server → client completion; the payload is the token (or the room list for ListRooms). */
  Complete: 2,
  /**
   * Server → kaiwa client, after the token when the request asked for a session (§7.1): the
   * grant (session id and secret), or an empty payload when none is granted.
   */
  Session: 3,
} as const;
/** A TCRP state code. */
export type State = typeof State[keyof typeof State];

/** Status byte of a Response frame (§2.4). 0–5 are standard; 6 and up are kaiwa's. */
export const Status = {
  Ok: 0,
  RoomExists: 1,
  RoomNotFound: 2,
  WrongPassword: 3,
  InvalidRequest: 4,
  ServerError: 5,
  NameTaken: 6,
  RoomFull: 7,
  TooManyRequests: 8,
  ServerFull: 9,
} as const;
/** A TCRP status code. */
export type Status = typeof Status[keyof typeof Status];

/** Size of the optional UDP port announcement a client sends after its token (§2.6). */
export const UDP_PORT_ANNOUNCEMENT_SIZE = 2;

/** Largest room name, username or token in bytes: each is length-prefixed by one byte. */
export const MAX_NAME_BYTES = 255;
/** Largest token in bytes (§1.1). */
export const MAX_TOKEN_BYTES = 255;
/** Largest client → server datagram, headers included (§3.1, §5). */
export const MAX_DATAGRAM_SIZE = 4096;
/** Size of the fixed part of a client → server datagram: RoomNameSize and TokenSize (§3.1). */
export const CLIENT_DATAGRAM_HEADER_SIZE = 2;

/** Version of kaiwa's binary event format, asked for with `"kaiwa": 1` in the request (§4). */
export const EVENT_FORMAT_VERSION = 1;
/** Size of the header every kaiwa event starts with: version, type, server time (§4.1). */
export const EVENT_HEADER_SIZE = 10;
/**
 * Largest server → client datagram kaiwa sends: a chat event carrying the largest name and the
 * largest message still fits (§4.1).
 */
export const MAX_EVENT_SIZE = 8192;
/** Largest payload of a list of names in one JOINED or LEFT event; longer lists are split. */
export const MAX_NAME_LIST_BYTES = 4096;

/** Kaiwa event types, server → kaiwa client (§4.2). */
export const EventType = {
  Chat: 1,
  Joined: 2,
  Left: 3,
  RoomClosed: 4,
  Removed: 5,
  Shutdown: 6,
  Notice: 7,
  Members: 8,
  Pong: 9,
  /** A chat message from before the member joined (history on join, §4.2): Chat's layout. */
  History: 10,
  /** Messages of a range the server no longer holds, so cannot resend (§4.2). */
  Gap: 11,
} as const;
/** A kaiwa event type. */
export type EventType = typeof EventType[keyof typeof EventType];

/** Why a member left the room, in a LEFT event (§4.3). */
export const LeaveReason = {
  /** It asked to leave (`/exit` or a LEAVE command). */
  Left: 1,
  /** It was silent for longer than the server's timeout. */
  TimedOut: 2,
  /** Deliveries to it failed repeatedly. */
  Unreachable: 3,
} as const;
/** A leave reason code. */
export type LeaveReason = typeof LeaveReason[keyof typeof LeaveReason];

/** Why a room closed, in a ROOM_CLOSED event (§4.3). */
export const CloseReason = {
  /** The host left. */
  HostLeft: 1,
  /** The host was silent for longer than the server's timeout. */
  HostTimedOut: 2,
  /** Deliveries to the host failed repeatedly. */
  HostUnreachable: 3,
} as const;
/** A room close reason code. */
export type CloseReason = typeof CloseReason[keyof typeof CloseReason];

/** Why the receiving member was removed, in a REMOVED event (§4.3). */
export const RemoveReason = {
  /** It was silent for longer than the server's timeout. */
  Inactivity: 1,
} as const;
/** A remove reason code. */
export type RemoveReason = typeof RemoveReason[keyof typeof RemoveReason];

/** Notice codes, in a NOTICE event (§4.3). */
export const NoticeCode = {
  /** Messages are arriving faster than the flood limit; some were dropped. */
  RateLimited: 1,
  /** The message was not valid UTF-8 and was dropped. */
  InvalidText: 2,
  /** The command byte was not known and was ignored. */
  UnknownCommand: 3,
  /** The Members answer lists only the first members of a large room; the text says how many. */
  ListTruncated: 4,
  /** A Who came sooner than the server answers Who (`--who-interval`); it was not answered. */
  WhoTooSoon: 5,
} as const;
/** A notice code. */
export type NoticeCode = typeof NoticeCode[keyof typeof NoticeCode];

/** Flag bits of a MEMBERS entry (§4.2). */
export const MemberFlag = {
  Host: 1,
  You: 2,
} as const;

/** Commands, the first byte of a kaiwa client's message body (§3.2). An empty body is a keep-alive. */
export const Command = {
  /** The rest is the chat text. */
  Chat: 1,
  /** Leave the room (closes it when sent by the host). */
  Leave: 2,
  /** Ask for a MEMBERS event. */
  Who: 3,
  /** Ask for a PONG event, to tell that the server is alive. */
  Ping: 4,
  /** Chat with a client message id: id u32, then the text. A resend reuses the id (§3.2). */
  ChatWithId: 5,
  /** Ask again for the chat events of a seq range, inclusive: from u32, to u32 (§3.2). */
  Nack: 6,
} as const;
/** Most seqs one NACK may ask for (to − from + 1), so that a 9-byte request has a bounded answer. */
export const MAX_NACK_RANGE = 64;

/**
 * The flags byte a Ping may carry after its command byte (§3.2); a Ping without it asks for
 * none. Servers before it ignore the byte (it was reserved), so a client may always send it.
 */
export const PingFlag = {
  /**
   * Answer with the room's latest seq in the Pong (§3.2 tail loss). Asked for, not sent to every
   * client, because a client from before this field rejects a Pong with a body.
   */
  Latest: 0x01,
} as const;
/** A kaiwa client command code. */
export type Command = typeof Command[keyof typeof Command];

/** What a standard client sends as its message to leave the room (§3.1). */
export const STANDARD_EXIT_MESSAGE = "/exit";

/**
 * What the course's reference server sends each member, as one datagram, when a room closes
 * ("the chat room was closed"): the reference client ends its chat only on exactly these bytes,
 * so a standard member gets them too, after kaiwa's own notice (§3.3).
 */
export const STANDARD_CLOSED_MESSAGE = "チャットルームが閉じられました";
