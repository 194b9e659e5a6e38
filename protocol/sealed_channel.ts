/**
 * One end of a session's datagram channel (docs/protocol.md §7): seals what it sends under its
 * direction's key with a fresh counter, opens what it receives under the other key through the
 * replay window. The server keeps one per member with a session, the client one per session.
 *
 * @module
 */

import { ReplayWindow } from "./replay_window.ts";
import { openSealed, sealDatagram } from "./sealed_datagram.ts";
import { isSealed, MAX_SEALED_COUNTER, readSealedHeader } from "./sealed_header.ts";
import type { SessionGrant } from "./session_grant.ts";
import { deriveSessionKeys } from "./session_keys.ts";

/** Why a received datagram was not opened: each is dropped, counted, never answered. */
export type OpenFailure =
  /** Not a sealed datagram, or shorter than its header and tag. */
  | "malformed"
  /** Sealed for another session id. */
  | "unknown-session"
  /** Its counter was already accepted. */
  | "replay"
  /** Its counter is below the replay window. */
  | "too-old"
  /** Its tag does not authenticate it: forged, tampered with, truncated. */
  | "forged";

/** A session's sending and receiving state at one end. */
export class SealedChannel {
  /** The session id both ends use. */
  readonly id: number;
  readonly #sendKey: Uint8Array;
  readonly #receiveKey: Uint8Array;
  readonly #window = new ReplayWindow();
  #sendCounter = 0;

  /** The client's end: it sends client → server, receives server → client. */
  static forClient(grant: SessionGrant): SealedChannel {
    const keys = deriveSessionKeys(grant);
    return new SealedChannel(grant.id, keys.clientToServer, keys.serverToClient);
  }

  /** The server's end: it sends server → client, receives client → server. */
  static forServer(grant: SessionGrant): SealedChannel {
    const keys = deriveSessionKeys(grant);
    return new SealedChannel(grant.id, keys.serverToClient, keys.clientToServer);
  }

  /** A channel with explicit keys (tests, vectors). */
  constructor(id: number, sendKey: Uint8Array, receiveKey: Uint8Array) {
    this.id = id;
    this.#sendKey = sendKey;
    this.#receiveKey = receiveKey;
  }

  /** Datagrams sealed so far: the next counter. */
  get sent(): number {
    return this.#sendCounter;
  }

  /**
   * Seals `plaintext` with the next counter (from 0).
   *
   * @throws {RangeError} when the counter is exhausted (2^53 datagrams): the session must end.
   */
  seal(plaintext: Uint8Array): Uint8Array {
    if (this.#sendCounter > MAX_SEALED_COUNTER) {
      throw new RangeError("Cannot seal datagram: the session's counter is exhausted");
    }
    return sealDatagram(this.#sendKey, this.id, this.#sendCounter++, plaintext);
  }

  /**
   * Opens a received datagram: its plaintext, or why it was refused. Costs at most one AEAD open
   * (none for a replay, a too-old counter or another session's id); only an authentic datagram
   * moves the replay window.
   */
  open(bytes: Uint8Array): Uint8Array | OpenFailure {
    if (!isSealed(bytes)) return "malformed";
    let header;
    try {
      header = readSealedHeader(bytes);
    } catch {
      return "malformed";
    }
    if (header.sessionId !== this.id) return "unknown-session";
    const verdict = this.#window.check(header.counter);
    if (verdict !== "ok") return verdict;
    const plaintext = openSealed(this.#receiveKey, bytes);
    if (plaintext === null) return "forged";
    this.#window.accept(header.counter);
    return plaintext;
  }
}
