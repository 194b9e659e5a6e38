/**
 * The browser's side of the protocol (docs/protocol.md §9): kaiwa events (§4) as JSON objects,
 * one per WebSocket text message, and the JSON requests a page sends, checked field by field.
 * Pure: values in, values out.
 *
 * @module
 */

import {
  CloseReason,
  type KaiwaEvent,
  LeaveReason,
  RemoveReason,
  type RoomSummary,
  Status,
} from "../../protocol/mod.ts";
import { nameCssColor } from "../../util/mod.ts";

/** A member in a `members` message. */
export interface JsonMember {
  /** Its name. */
  readonly name: string;
  /** Its colour, as the terminal client paints the name (`#rrggbb`). */
  readonly color: string;
  /** True for the room's host. */
  readonly host: boolean;
  /** True for the member the list is sent to. */
  readonly you: boolean;
}

/** What the server sends a page: one of these per WebSocket text message. */
export type ServerMessage =
  | {
    type: "chat" | "history";
    time: number;
    seq: number;
    from: string;
    color: string;
    text: string;
  }
  | { type: "joined"; time: number; names: string[]; colors: string[] }
  | { type: "left"; time: number; reason: string; names: string[] }
  | { type: "room-closed"; time: number; reason: string }
  | { type: "removed"; time: number; reason: string }
  | { type: "shutdown"; time: number }
  | { type: "notice"; time: number; code: number; text: string }
  | { type: "members"; time: number; members: JsonMember[] }
  | { type: "pong"; time: number }
  | { type: "gap"; time: number; from: number; to: number }
  | { type: "rooms"; rooms: RoomSummary[]; truncated: boolean }
  | {
    type: "entered";
    room: string;
    name: string;
    host: boolean;
    maxText: number;
    /** The member's token: a later `join` shows it as `resume` to come back as this member. */
    token: string;
    /** True when the join resumed the member (§2.5): it never left, its page came back. */
    resumed: boolean;
  }
  | { type: "refused"; status: number; reason: string; text: string }
  | { type: "error"; text: string };

/** What a page may ask. */
export type BrowserRequest =
  | { type: "rooms" }
  | { type: "create"; room: string; name: string; password: string | null }
  | {
    type: "join";
    room: string;
    name: string;
    password: string | null;
    /** The token of `entered`, to come back as that member (docs/protocol.md §2.5); absent: none. */
    resume?: string;
  }
  | { type: "say"; text: string }
  | { type: "who" }
  | { type: "ping" }
  | { type: "leave" };

const LEAVE_REASONS: Record<number, string> = {
  [LeaveReason.Left]: "left",
  [LeaveReason.TimedOut]: "timed-out",
  [LeaveReason.Unreachable]: "unreachable",
};
const CLOSE_REASONS: Record<number, string> = {
  [CloseReason.HostLeft]: "host-left",
  [CloseReason.HostTimedOut]: "host-timed-out",
  [CloseReason.HostUnreachable]: "host-unreachable",
};
const REMOVE_REASONS: Record<number, string> = { [RemoveReason.Inactivity]: "inactivity" };
/**
 * The `removed` reason of a page whose member was resumed with its token elsewhere (another page,
 * a duplicated tab; a kaiwa client over TCP): the web side's own, no kaiwa code.
 */
export const RESUMED_ELSEWHERE = "resumed-elsewhere";
/** Unknown codes (a newer server's) read as this, as the terminal client shows a generic text. */
const UNKNOWN_REASON = "unknown";

/** Each refusal status (§2.4): its name in `refused.reason`, and the sentence the page shows. */
const REFUSALS: Record<number, readonly [string, string]> = {
  [Status.RoomExists]: ["room-exists", "a room of that name exists already: join it instead"],
  [Status.RoomNotFound]: ["room-not-found", "there is no room of that name"],
  [Status.WrongPassword]: ["wrong-password", "wrong password"],
  [Status.InvalidRequest]: [
    "invalid-request",
    "the server refused that room name or name (1–255 bytes, no control or invisible characters)",
  ],
  [Status.ServerError]: ["server-error", "the server failed; try again"],
  [Status.NameTaken]: ["name-taken", "someone in that room has that name already"],
  [Status.RoomFull]: ["room-full", "that room is full"],
  [Status.TooManyRequests]: [
    "too-many-requests",
    "too many requests from your address; wait a little",
  ],
  [Status.ServerFull]: ["server-full", "the server is full"],
};

/**
 * A kaiwa event as the page reads it: reason codes as words, each sender with its colour.
 *
 * @example
 * ```ts
 * eventToJson({ type: "left", time: 1, reason: 1, names: ["bo"] });
 * // { type: "left", time: 1, reason: "left", names: ["bo"] }
 * ```
 */
export function eventToJson(event: KaiwaEvent): ServerMessage {
  switch (event.type) {
    case "chat":
      return {
        type: event.history === true ? "history" : "chat",
        time: event.time,
        seq: event.seq,
        from: event.sender,
        color: nameCssColor(event.sender),
        text: event.text,
      };
    case "joined":
      return { ...event, colors: event.names.map(nameCssColor) };
    case "left":
      return { ...event, reason: LEAVE_REASONS[event.reason] ?? UNKNOWN_REASON };
    case "room-closed":
      return { ...event, reason: CLOSE_REASONS[event.reason] ?? UNKNOWN_REASON };
    case "removed":
      return { ...event, reason: REMOVE_REASONS[event.reason] ?? UNKNOWN_REASON };
    case "members":
      return {
        type: "members",
        time: event.time,
        members: event.members.map((member) => ({
          name: member.name,
          color: nameCssColor(member.name),
          host: member.host,
          you: member.you,
        })),
      };
    case "pong":
      // A page's socket loses nothing, so it has no use for the latest seq (§3.2 tail loss).
      return { type: "pong", time: event.time };
    default:
      return event;
  }
}

/** The `refused` message for a TCRP status other than OK. */
export function refusalToJson(status: number): Extract<ServerMessage, { type: "refused" }> {
  const [reason, text] = REFUSALS[status] ?? ["refused", `refused (status ${status})`];
  return { type: "refused", status, reason, text };
}

/** A page's message that is not a request this side understands. */
export class BadRequestError extends Error {
  /** `message` says what is wrong, for the page. */
  constructor(message: string) {
    super(message);
    this.name = "BadRequestError";
  }
}

/**
 * Reads one text message from a page.
 *
 * @throws {BadRequestError} when it is not JSON, not an object, of an unknown type, or a field
 * is missing or of the wrong type.
 *
 * @example
 * ```ts
 * parseBrowserRequest('{"type":"say","text":"こんにちは"}'); // { type: "say", text: "こんにちは" }
 * ```
 */
export function parseBrowserRequest(text: string): BrowserRequest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new BadRequestError("Cannot read request: not JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new BadRequestError("Cannot read request: not a JSON object");
  }
  const fields = value as Record<string, unknown>;
  switch (fields.type) {
    case "rooms":
    case "who":
    case "ping":
    case "leave":
      return { type: fields.type };
    case "say":
      return { type: "say", text: stringField(fields, "text") };
    case "create":
    case "join": {
      const password = fields.password;
      if (password !== undefined && password !== null && typeof password !== "string") {
        throw new BadRequestError("Cannot read request: password is not a string");
      }
      const request: BrowserRequest = {
        type: fields.type,
        room: stringField(fields, "room"),
        name: stringField(fields, "name"),
        password: password === undefined || password === null || password === "" ? null : password,
      };
      const resume = fields.resume;
      if (resume !== undefined && resume !== null && typeof resume !== "string") {
        throw new BadRequestError("Cannot read request: resume is not a string");
      }
      // As in a TCRP payload (§2.5), "" and null mean none; a resume of a create is ignored.
      if (request.type === "join" && typeof resume === "string" && resume !== "") {
        request.resume = resume;
      }
      return request;
    }
    default:
      throw new BadRequestError(`Cannot read request: unknown type ${shownType(fields.type)}`);
  }
}

/**
 * Longest unknown type quoted back: a type is a short word, and the page's own text quoted whole
 * would make the answer larger than the request (each backslash comes back as four).
 */
const MAX_SHOWN_TYPE = 32;

/** An unknown `type` as the error names it: a short string quoted, else what it is. */
function shownType(type: unknown): string {
  if (typeof type !== "string") return type === undefined ? "(none)" : `of type ${typeof type}`;
  return type.length <= MAX_SHOWN_TYPE ? JSON.stringify(type) : "(too long to show)";
}

function stringField(fields: Record<string, unknown>, name: string): string {
  const value = fields[name];
  if (typeof value !== "string") {
    throw new BadRequestError(`Cannot read request: ${name} is missing or not a string`);
  }
  return value;
}
