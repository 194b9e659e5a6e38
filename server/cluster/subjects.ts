/**
 * The NATS subjects and the KV bucket the nodes of a kaiwa cluster use (docs/cluster.md). Each
 * node subscribes to four subjects of its own and the heartbeats: the broker's subscriptions grow
 * with the nodes, never with rooms or members.
 *
 * @module
 */

import { fromBase64url, toBase64url } from "./base64url.ts";
import type { NodeRun } from "./liveness.ts";

/** Every subject starts so: one kaiwa cluster per NATS account. */
const PREFIX = "kaiwa";

/** The KV bucket of the room registry. */
export const REGISTRY_BUCKET = "kaiwa_rooms";

/** The JetStream stream that holds {@link REGISTRY_BUCKET} (KV buckets are streams `KV_<bucket>`). */
export const REGISTRY_STREAM = `KV_${REGISTRY_BUCKET}`;

/** Heartbeats of every node (JSON {@link Heartbeat}). */
export const HEARTBEAT_SUBJECT = `${PREFIX}.hb`;

/** A heartbeat: a node's run, or its goodbye when it stops. */
export interface Heartbeat {
  /** The node's id. */
  readonly node: string;
  /** Its incarnation. */
  readonly incarnation: string;
  /** True when the node stops: it is dead at once. */
  readonly gone?: boolean;
}

/** Requests to `node`: joins of its rooms, withdrawn tokens, announced ports, fencing notices. */
export function rpcSubject(node: string): string {
  return `${PREFIX}.node.${node}.rpc`;
}

/**
 * Where the owner answers join `id` of `run` (docs/cluster.md): per run, so that an answer meant
 * for a previous run of the node reaches nobody rather than a join of the next one.
 */
export function joinedSubject(run: NodeRun, id: number): string {
  return `${PREFIX}.node.${run.node}.joined.${run.incarnation}.${id}`;
}

/** What `run` subscribes to for the answers to its joins (one subscription for all of them). */
export function joinedSubjects(run: NodeRun): string {
  return `${PREFIX}.node.${run.node}.joined.${run.incarnation}.*`;
}

/** The join id of a subject {@link joinedSubject} made; null for any other subject. */
export function joinIdOf(subject: string): number | null {
  const last = subject.slice(subject.lastIndexOf(".") + 1);
  const id = Number(last);
  return /^[0-9]+$/.test(last) && Number.isSafeInteger(id) ? id : null;
}

/** Client datagrams for the rooms `node` holds, relayed by the nodes their members are on. */
export function upSubject(node: string): string {
  return `${PREFIX}.node.${node}.up`;
}

/**
 * Datagrams for the members connected to `node`, from the nodes holding their rooms: each room's
 * events in the order its owner made them (one publisher, one subject).
 */
export function downSubject(node: string): string {
  return `${PREFIX}.node.${node}.down`;
}

/** The registry key of `roomName`: base64url of its UTF-8 bytes, valid in any KV key. */
export function registryKey(roomName: string): string {
  return `room.${toBase64url(new TextEncoder().encode(roomName))}`;
}

/** The room name a registry key stands for; null for a key kaiwa did not write. */
export function roomOfKey(key: string): string | null {
  if (!key.startsWith("room.")) return null;
  try {
    const bytes = fromBase64url(key.slice("room.".length));
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}
