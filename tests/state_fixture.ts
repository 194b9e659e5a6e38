/**
 * A pure state to test with: a {@link RecordingNotifier} that records every call as a tuple,
 * permissive limits, and helpers to admit members and send their datagrams.
 *
 * @module
 */

import { ok, strictEqual } from "node:assert/strict";
import { Status } from "../protocol/constants.ts";
import { encodeClientDatagram } from "../protocol/datagram.ts";
import { Logger } from "../server/log.ts";
import { stateLog } from "../server/state_log.ts";
import {
  type AdmissionRequest,
  type HeldChat,
  type Member,
  type Notifier,
  type Room,
  ServerState,
  type StateConfig,
} from "../server/state/mod.ts";

export const encoder = new TextEncoder();
export const decoder = new TextDecoder();
export const IP = "10.0.0.1";
export const PORT = 5000;

export type Call = unknown[];

/** A notifier that records every call as a plain tuple. */
export class RecordingNotifier implements Notifier {
  calls: Call[] = [];
  chat(room: Room, sender: Member, seq: number, text: Uint8Array): void {
    this.calls.push(["chat", room.name, sender.name, seq, decoder.decode(text)]);
  }
  joined(room: Room, joiners: readonly Member[]): void {
    this.calls.push(["joined", room.name, joiners.map((m) => m.name)]);
  }
  missedArrivals(member: Member, arrivals: readonly Member[]): void {
    this.calls.push(["missedArrivals", member.name, arrivals.map((m) => m.name)]);
  }
  left(room: Room, names: readonly string[], reason: number): void {
    this.calls.push(["left", room.name, [...names], reason]);
  }
  roomClosed(room: Room, reason: number, except: Member | null): void {
    this.calls.push(["roomClosed", room.name, reason, except?.name ?? null]);
  }
  removed(member: Member, reason: number): void {
    this.calls.push(["removed", member.name, reason]);
  }
  members(member: Member): void {
    this.calls.push(["members", member.name]);
  }
  pong(member: Member, latest: number | undefined): void {
    this.calls.push(["pong", member.name, latest]);
  }
  notice(member: Member, code: number): void {
    this.calls.push(["notice", member.name, code]);
  }
  resend(member: Member, chat: HeldChat, history: boolean): void {
    const text = decoder.decode(chat.text);
    this.calls.push([history ? "history" : "resend", member.name, chat.seq, text]);
  }
  gap(member: Member, from: number, to: number): void {
    this.calls.push(["gap", member.name, from, to]);
  }
  shutdown(room: Room): void {
    this.calls.push(["shutdown", room.name]);
  }
  take(): Call[] {
    const calls = this.calls;
    this.calls = [];
    return calls;
  }
}

export const BASE_CONFIG: StateConfig = {
  timeoutSeconds: 300,
  maxRooms: 10,
  maxRoomMembers: 10,
  floodRate: 0,
  floodBurst: 10,
  joinRate: 0,
  bindTimeoutSeconds: 300,
  maxMembers: 1_000,
  maxMembersPerIp: 1_000,
  maxRoomsPerIp: 1_000,
  ipFloodRate: 0,
  whoIntervalSeconds: 0,
  roomBuffer: 256,
  roomBufferBytes: 65_536,
  history: 50,
};

export function setup(config: Partial<StateConfig> = {}, newToken?: () => string) {
  const notifier = new RecordingNotifier();
  let counter = 0;
  const tokens = newToken ?? (() => `token-${++counter}`);
  const state = new ServerState(
    { ...BASE_CONFIG, ...config },
    notifier,
    stateLog(new Logger("quiet")),
    tokens,
  );
  return { state, notifier };
}

export function request(
  roomName: string,
  username: string,
  kaiwa = false,
  ip = IP,
): AdmissionRequest {
  return { roomName, roomNameBytes: encoder.encode(roomName), username, kaiwa, ip };
}

export function admitted(result: { status: number; member: Member | null }): Member {
  strictEqual(result.status, Status.Ok);
  ok(result.member);
  return result.member;
}

/** Sends `message` from `member` (from its own IP unless told otherwise). */
export function send(
  state: ServerState,
  member: Member,
  message: Uint8Array | string,
  options: { port?: number; ip?: string; now?: number } = {},
): void {
  const body = typeof message === "string" ? encoder.encode(message) : message;
  const bytes = encodeClientDatagram(member.room.nameBytes, encoder.encode(member.token), body);
  state.receive(bytes, options.ip ?? member.ip, options.port ?? PORT, options.now ?? 0);
}
