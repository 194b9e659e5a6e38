/**
 * The requests on a node's rpc subject (`kaiwa.node.<id>.rpc`) and their encodings: a join of one
 * of its rooms (the reply, JSON, goes to the asking run's joined subject), a token withdrawn or a port announced by the
 * member's node, and a fencing notice (the sender declared the receiver dead).
 *
 * @module
 */

import {
  decodeSessionGrant,
  encodeSessionGrant,
  type SessionGrant,
  type Status,
} from "../../protocol/mod.ts";
import { fromBase64url, toBase64url } from "./base64url.ts";
import type { NodeRun } from "./liveness.ts";

/** The first byte of a request says which it is. */
export const RpcOp = { Join: 1, Withdraw: 2, Announce: 3, Fenced: 4 } as const;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A join relayed to the owner: who asks, for which client IP, with the client's frame. */
export interface JoinRequest {
  /** The member node's run. */
  readonly from: NodeRun;
  /** The client's IP address, as the member node saw it. */
  readonly ip: string;
  /** A session is asked for, and the client's connection may carry its secret. */
  readonly session: boolean;
  /**
   * How much longer the member node waits for the answer, ms (at most {@link MAX_WAIT_MS}): the
   * owner admits only within it (a stalled owner or a long hash queue answers too late).
   */
  readonly waitMs: number;
  /** The client's TCRP JoinRoom frame, as it sent it. */
  readonly frame: Uint8Array;
}

/** The owner's answer to a relayed join (JSON). */
export interface JoinReply {
  /** The answer to the client. */
  readonly status: Status;
  /** The owner's id: where a late admission is withdrawn. */
  readonly node: string;
  /** The owner's incarnation: the member node watches that run. */
  readonly incarnation: string;
  /** The token issued, when admitted. */
  readonly token?: string;
  /** True for a kaiwa client (binary events). */
  readonly kaiwa?: boolean;
  /** The session grant (§7.1), base64url, when one was opened. */
  readonly grant?: string;
}

/** A token withdrawn, or a port announced for it. */
export interface TokenOp {
  /** The member's token. */
  readonly token: string;
  /** The UDP port announced; absent for a withdrawal. */
  readonly port?: number;
}

/** The longest wait a join request can carry (u32 ms, ≈ 49 days). */
export const MAX_WAIT_MS = 0xffff_ffff;

/** A join request's fixed head: op, session flag, wait. */
const JOIN_HEAD_BYTES = 6;

/**
 * Join: u8 op, u8 session flag, u32 wait (ms, big-endian), then u8-length-prefixed node,
 * incarnation and IP, then the TCRP frame.
 */
export function encodeJoinRequest(request: JoinRequest): Uint8Array {
  const { from, ip, session, waitMs, frame } = request;
  const parts = [from.node, from.incarnation, ip].map((text) => encoder.encode(text));
  const size = JOIN_HEAD_BYTES + parts.reduce((sum, part) => sum + 1 + part.length, 0) +
    frame.length;
  const out = new Uint8Array(size);
  out[0] = RpcOp.Join;
  out[1] = session ? 1 : 0;
  new DataView(out.buffer).setUint32(2, Math.max(0, Math.min(MAX_WAIT_MS, Math.floor(waitMs))));
  let offset = JOIN_HEAD_BYTES;
  for (const part of parts) {
    out[offset++] = part.length;
    out.set(part, offset);
    offset += part.length;
  }
  out.set(frame, offset);
  return out;
}

/** A join request, or null when `bytes` is none (or cut short). */
export function decodeJoinRequest(bytes: Uint8Array): JoinRequest | null {
  if (bytes[0] !== RpcOp.Join || bytes.length < JOIN_HEAD_BYTES) return null;
  const session = bytes[1] === 1;
  const waitMs = new DataView(bytes.buffer, bytes.byteOffset).getUint32(2);
  let offset = JOIN_HEAD_BYTES;
  const texts: string[] = [];
  for (let i = 0; i < 3; i++) {
    if (offset >= bytes.length) return null;
    const length = bytes[offset++];
    if (offset + length > bytes.length) return null;
    texts.push(decoder.decode(bytes.subarray(offset, offset + length)));
    offset += length;
  }
  return {
    from: { node: texts[0], incarnation: texts[1] },
    ip: texts[2],
    session,
    waitMs,
    frame: bytes.subarray(offset),
  };
}

/** Withdraw: u8 op, then the token. Announce: u8 op, u16 port, then the token. */
export function encodeTokenOp(op: TokenOp): Uint8Array {
  const bytes = encoder.encode(op.token);
  const head = op.port === undefined ? 1 : 3;
  const out = new Uint8Array(head + bytes.length);
  out[0] = op.port === undefined ? RpcOp.Withdraw : RpcOp.Announce;
  if (op.port !== undefined) new DataView(out.buffer).setUint16(1, op.port);
  out.set(bytes, head);
  return out;
}

/** A withdrawal or an announcement, or null when `bytes` is neither. */
export function decodeTokenOp(bytes: Uint8Array): TokenOp | null {
  if (bytes[0] === RpcOp.Withdraw) return { token: decoder.decode(bytes.subarray(1)) };
  if (bytes[0] !== RpcOp.Announce || bytes.length < 3) return null;
  const port = new DataView(bytes.buffer, bytes.byteOffset).getUint16(1);
  return { token: decoder.decode(bytes.subarray(3)), port };
}

/** Fenced: u8 op, then the JSON of the run that declared the receiver dead. */
export function encodeFenced(by: NodeRun): Uint8Array {
  const json = encoder.encode(JSON.stringify(by));
  const out = new Uint8Array(1 + json.length);
  out[0] = RpcOp.Fenced;
  out.set(json, 1);
  return out;
}

/** The run a fencing notice comes from, or null. */
export function decodeFenced(bytes: Uint8Array): NodeRun | null {
  if (bytes[0] !== RpcOp.Fenced) return null;
  try {
    const run = JSON.parse(decoder.decode(bytes.subarray(1))) as Partial<NodeRun>;
    if (typeof run.node !== "string" || typeof run.incarnation !== "string") return null;
    return { node: run.node, incarnation: run.incarnation };
  } catch {
    return null;
  }
}

/** A join reply as JSON bytes; `grant`, when given, is carried as base64url. */
export function encodeJoinReply(reply: Omit<JoinReply, "grant">, grant?: SessionGrant): Uint8Array {
  const json: JoinReply = grant === undefined
    ? reply
    : { ...reply, grant: toBase64url(encodeSessionGrant(grant)) };
  return encoder.encode(JSON.stringify(json));
}

/** A join reply, or null when it does not parse. */
export function decodeJoinReply(bytes: Uint8Array): JoinReply | null {
  try {
    const reply = JSON.parse(decoder.decode(bytes)) as Partial<JoinReply>;
    if (
      typeof reply.status !== "number" || typeof reply.node !== "string" ||
      typeof reply.incarnation !== "string"
    ) return null;
    return reply as JoinReply;
  } catch {
    return null;
  }
}

/** The grant of a join reply; null when there is none or it does not decode (then no session). */
export function grantOf(reply: JoinReply): SessionGrant | null {
  if (reply.grant === undefined) return null;
  try {
    return decodeSessionGrant(fromBase64url(reply.grant));
  } catch {
    return null;
  }
}
