/**
 * Create, join, talk and leave cycles run straight through the server state, without sockets:
 * the memory test asserts that nothing is left behind, the soak measures the heap around them.
 *
 * @module
 */

import { Command, encodeClientDatagram } from "../protocol/mod.ts";
import { Logger } from "../server/log.ts";
import { stateLog } from "../server/state_log.ts";
import {
  type AdmissionRequest,
  type Member,
  type Notifier,
  ServerState,
} from "../server/state/mod.ts";

const encoder = new TextEncoder();
/** Milliseconds the clock moves per cycle: sweeps then see time pass. */
const CYCLE_MS = 7;
/** A sweep every so many cycles, as the server's timer would. */
const SWEEP_EVERY = 1000;
/** Distinct source addresses used, so that the per-IP request limiter has entries to forget. */
const ADDRESSES = 250;

/** A notifier that only counts calls: what the state asks to send is not kept. */
export class CountingNotifier implements Notifier {
  /** Calls made. */
  calls = 0;
  /** @inheritdoc */
  chat(): void {
    this.calls++;
  }
  /** @inheritdoc */
  joined(): void {
    this.calls++;
  }
  /** @inheritdoc */
  missedArrivals(): void {
    this.calls++;
  }
  /** @inheritdoc */
  left(): void {
    this.calls++;
  }
  /** @inheritdoc */
  roomClosed(): void {
    this.calls++;
  }
  /** @inheritdoc */
  removed(): void {
    this.calls++;
  }
  /** @inheritdoc */
  members(): void {
    this.calls++;
  }
  /** @inheritdoc */
  pong(): void {
    this.calls++;
  }
  /** @inheritdoc */
  notice(): void {
    this.calls++;
  }
  /** @inheritdoc */
  resend(): void {
    this.calls++;
  }
  /** @inheritdoc */
  gap(): void {
    this.calls++;
  }
  /** @inheritdoc */
  shutdown(): void {
    this.calls++;
  }
}

/** A state with the server's default limits (flood control and request limit on). */
export function cycleState(): { state: ServerState; notifier: CountingNotifier } {
  const notifier = new CountingNotifier();
  let counter = 0;
  const state = new ServerState(
    {
      timeoutSeconds: 300,
      maxRooms: 10_000,
      maxRoomMembers: 5_000,
      floodRate: 5,
      floodBurst: 10,
      joinRate: 20,
      bindTimeoutSeconds: 20,
      maxMembers: 100_000,
      maxMembersPerIp: 100,
      maxRoomsPerIp: 10,
      ipFloodRate: 20,
      whoIntervalSeconds: 10,
      roomBuffer: 256,
      roomBufferBytes: 65_536,
      history: 50,
    },
    notifier,
    stateLog(new Logger("quiet", () => {})),
    () => `token-${++counter}`,
  );
  return { state, notifier };
}

function datagram(member: Member, body: Uint8Array): Uint8Array {
  return encodeClientDatagram(member.room.nameBytes, encoder.encode(member.token), body);
}

/**
 * Runs `cycles` cycles from time `start`: a host creates a room, two members join (one kaiwa,
 * one standard), they talk, a stranger sends a forged datagram, the kaiwa member leaves, the
 * standard one leaves on every other cycle, and the host leaves, which closes the room with
 * whoever is still in it. A sweep runs now and then. Returns the final time.
 */
export function runStateCycles(state: ServerState, cycles: number, start = 0): number {
  let now = start;
  for (let i = 0; i < cycles; i++) {
    now += CYCLE_MS;
    const ip = `10.0.${Math.floor(i / ADDRESSES) % ADDRESSES}.${i % ADDRESSES}`;
    const request = (username: string, kaiwa: boolean): AdmissionRequest => {
      const roomName = `room-${i}`;
      return { roomName, roomNameBytes: encoder.encode(roomName), username, kaiwa, ip };
    };
    state.allowRequest(ip, now);
    const host = state.createRoom(request("host", false), null, now).member;
    const kaiwa = state.joinRoom(request("kai", true), null, now).member;
    const plain = state.joinRoom(request("std", false), null, now).member;
    if (host === null || kaiwa === null || plain === null) {
      throw new Error(`Cycle ${i}: an admission was refused`);
    }
    state.flushJoins(now);
    state.receive(datagram(host, encoder.encode(`hello ${i}`)), ip, 1000, now);
    state.receive(datagram(kaiwa, Uint8Array.of(Command.Ping)), ip, 1001, now);
    state.receive(datagram(plain, new Uint8Array(0)), ip, 1002, now);
    state.receive(datagram(kaiwa, Uint8Array.of(Command.Who)), "192.0.2.1", 1001, now);
    state.receive(datagram(kaiwa, Uint8Array.of(Command.Leave)), ip, 1001, now);
    if (i % 2 === 0) state.leave(plain, now);
    state.leave(host, now);
    if (i % SWEEP_EVERY === 0) state.sweep(now);
  }
  return now;
}
