/**
 * WebSocket frames (RFC 6455 §5), server side: a push decoder of the masked frames a browser
 * sends, checking every declared length against a cap before buffering, and the encoder of the
 * unmasked frames a server sends. Pure: bytes in, frames out. No extension is negotiated, so the
 * reserved bits must be zero.
 *
 * @module
 */

/** Frame opcodes (RFC 6455 §5.2). */
export const Opcode = {
  Continuation: 0x0,
  Text: 0x1,
  Binary: 0x2,
  Close: 0x8,
  Ping: 0x9,
  Pong: 0xa,
} as const;

/** One of {@link Opcode}. */
export type Opcode = typeof Opcode[keyof typeof Opcode];

/** Close codes the server sends (RFC 6455 §7.4.1). */
export const CloseCode = {
  Normal: 1000,
  GoingAway: 1001,
  ProtocolError: 1002,
  UnsupportedData: 1003,
  InvalidData: 1007,
  PolicyViolation: 1008,
  MessageTooBig: 1009,
} as const;

/** One of {@link CloseCode}. */
export type CloseCode = typeof CloseCode[keyof typeof CloseCode];

/** A frame or a message broke the protocol or a cap: the connection closes with `code`. */
export class WebSocketError extends Error {
  /** The close code to send. */
  readonly code: CloseCode;
  /** `message` says what was wrong. */
  constructor(code: CloseCode, message: string) {
    super(message);
    this.name = "WebSocketError";
    this.code = code;
  }
}

/** A whole message (fragments joined) or a control frame. */
export interface WebSocketMessage {
  /** Text, Binary, Close, Ping or Pong (never Continuation). */
  readonly opcode: Opcode;
  /** The unmasked payload, a copy the caller may keep. */
  readonly payload: Uint8Array;
}

const FIN = 0x80;
const RESERVED_BITS = 0x70;
const OPCODE_BITS = 0x0f;
const MASK_BIT = 0x80;
const LENGTH_BITS = 0x7f;
/** 7-bit lengths above this mean an extended length follows (§5.2). */
const LENGTH_16 = 126;
const LENGTH_64 = 127;
const MASK_SIZE = 4;
/** A control frame's payload is at most 125 bytes (§5.5). */
export const MAX_CONTROL_PAYLOAD = 125;

/**
 * Most frames one message may come in. Browsers send each message as one frame; 64 leaves room
 * for any other client while bounding what a stream of (empty) fragments can cost.
 */
export const MAX_FRAGMENTS = 64;
const CONTROL_FLAG = 0x8;
const U16_LIMIT = 0x10000;
const TWO_TO_32 = 2 ** 32;
/** Largest frame header: 2 bytes, an 8-byte length and a 4-byte mask. */
const MAX_HEADER_SIZE = 14;

/**
 * Reads frames from bytes pushed as they arrive. A frame whose declared payload exceeds
 * `maxFrame`, or a message whose fragments together exceed `maxMessage`, is refused from its
 * header alone (MessageTooBig), so the decoder never holds more than one frame of at most
 * `maxFrame` bytes and one message of at most `maxMessage`.
 *
 * @example
 * ```ts
 * const decoder = new FrameDecoder(1024, 4096);
 * decoder.push(maskedTextFrame); // [{ opcode: Opcode.Text, payload: … }]
 * ```
 */
export class FrameDecoder {
  readonly #maxFrame: number;
  readonly #maxMessage: number;
  /** Bytes received and not yet decoded: `#pending[0, #pendingLength)`. */
  #pending = new Uint8Array(0);
  #pendingLength = 0;
  #fragments: Uint8Array[] = [];
  #fragmentBytes = 0;
  #fragmentCount = 0;
  #fragmentOpcode: Opcode | null = null;

  /** A decoder refusing frames over `maxFrame` and messages over `maxMessage` payload bytes. */
  constructor(maxFrame: number, maxMessage: number) {
    this.#maxFrame = maxFrame;
    this.#maxMessage = maxMessage;
  }

  /**
   * Takes the next bytes of the stream and returns the messages they complete, in order.
   *
   * @throws {WebSocketError} when a frame breaks RFC 6455 or a cap; the stream is then unusable.
   */
  push(bytes: Uint8Array): WebSocketMessage[] {
    this.#append(bytes);
    const pending = this.#pending.subarray(0, this.#pendingLength);
    const messages: WebSocketMessage[] = [];
    let offset = 0;
    for (;;) {
      const frame = this.#frameAt(pending, offset);
      if (frame === null) break;
      offset = frame.end;
      const message = this.#assemble(frame.fin, frame.opcode, frame.payload);
      if (message !== null) messages.push(message);
    }
    // Only what follows the last whole frame moves, and only when a frame ended: a frame sent a
    // byte at a time costs one byte's copy per read, not the whole buffer's.
    if (offset > 0) this.#pending.copyWithin(0, offset, this.#pendingLength);
    this.#pendingLength -= offset;
    if (this.#pendingLength > this.#maxFrame + MAX_HEADER_SIZE) {
      throw new WebSocketError(CloseCode.MessageTooBig, "Frame exceeds the size limit");
    }
    return messages;
  }

  /** Appends `bytes` to the pending ones, doubling the buffer when it is full. */
  #append(bytes: Uint8Array): void {
    const needed = this.#pendingLength + bytes.length;
    if (needed > this.#pending.length) {
      const grown = new Uint8Array(Math.max(needed, this.#pending.length * 2));
      grown.set(this.#pending.subarray(0, this.#pendingLength));
      this.#pending = grown;
    }
    this.#pending.set(bytes, this.#pendingLength);
    this.#pendingLength = needed;
  }

  /** The frame starting at `offset`, unmasked, or null when it is not all there yet. */
  #frameAt(
    bytes: Uint8Array,
    offset: number,
  ): { fin: boolean; opcode: Opcode; payload: Uint8Array; end: number } | null {
    if (bytes.length - offset < 2) return null;
    const first = bytes[offset];
    const second = bytes[offset + 1];
    if ((first & RESERVED_BITS) !== 0) {
      throw new WebSocketError(CloseCode.ProtocolError, "Reserved bits set without an extension");
    }
    const opcode = first & OPCODE_BITS;
    if (!isOpcode(opcode)) {
      throw new WebSocketError(CloseCode.ProtocolError, `Unknown opcode ${opcode}`);
    }
    const fin = (first & FIN) !== 0;
    if ((second & MASK_BIT) === 0) {
      throw new WebSocketError(CloseCode.ProtocolError, "A client frame must be masked");
    }
    let length = second & LENGTH_BITS;
    let at = offset + 2;
    if (length === LENGTH_16) {
      if (bytes.length - at < 2) return null;
      length = (bytes[at] << 8) | bytes[at + 1];
      at += 2;
    } else if (length === LENGTH_64) {
      if (bytes.length - at < 8) return null;
      const view = new DataView(bytes.buffer, bytes.byteOffset + at, 8);
      // A length needing more than 32 bits is far over any cap: refused as too big.
      length = view.getUint32(0) === 0 ? view.getUint32(4) : Number.MAX_SAFE_INTEGER;
      at += 8;
    }
    if ((opcode & CONTROL_FLAG) !== 0 && (length > MAX_CONTROL_PAYLOAD || !fin)) {
      throw new WebSocketError(CloseCode.ProtocolError, "Control frame fragmented or too long");
    }
    if (length > this.#maxFrame) {
      throw new WebSocketError(
        CloseCode.MessageTooBig,
        `Frame of ${length} bytes exceeds ${this.#maxFrame}`,
      );
    }
    if (bytes.length - at < MASK_SIZE + length) return null;
    const mask = bytes.subarray(at, at + MASK_SIZE);
    at += MASK_SIZE;
    const payload = bytes.slice(at, at + length);
    for (let i = 0; i < payload.length; i++) payload[i] ^= mask[i % MASK_SIZE];
    return { fin, opcode, payload, end: at + length };
  }

  /** Joins fragments; returns the message a frame completes, or null. */
  #assemble(fin: boolean, opcode: Opcode, payload: Uint8Array): WebSocketMessage | null {
    if ((opcode & CONTROL_FLAG) !== 0) return { opcode, payload };
    if (opcode === Opcode.Continuation) {
      if (this.#fragmentOpcode === null) {
        throw new WebSocketError(CloseCode.ProtocolError, "Continuation without a message");
      }
    } else if (this.#fragmentOpcode !== null) {
      throw new WebSocketError(CloseCode.ProtocolError, "New message inside a fragmented one");
    }
    if (this.#fragmentBytes + payload.length > this.#maxMessage) {
      throw new WebSocketError(
        CloseCode.MessageTooBig,
        `Message exceeds ${this.#maxMessage} bytes`,
      );
    }
    if (fin && this.#fragmentOpcode === null) return { opcode, payload };
    // Empty fragments add no bytes to the cap but each costs a frame's bookkeeping: without a
    // count, a stream of them grows the server's memory without end.
    if (++this.#fragmentCount > MAX_FRAGMENTS) {
      throw new WebSocketError(
        CloseCode.MessageTooBig,
        `Message in more than ${MAX_FRAGMENTS} fragments`,
      );
    }
    this.#fragmentOpcode ??= opcode;
    if (payload.length > 0) this.#fragments.push(payload);
    this.#fragmentBytes += payload.length;
    if (!fin) return null;
    const whole = new Uint8Array(this.#fragmentBytes);
    let at = 0;
    for (const part of this.#fragments) {
      whole.set(part, at);
      at += part.length;
    }
    const message = { opcode: this.#fragmentOpcode, payload: whole };
    this.#fragments = [];
    this.#fragmentBytes = 0;
    this.#fragmentCount = 0;
    this.#fragmentOpcode = null;
    return message;
  }
}

/** Close codes a peer may send (RFC 6455 §7.4.1, §7.4.2 and the IANA registry): defined ones. */
const PEER_CLOSE_CODES: readonly (readonly [number, number])[] = [
  [1000, 1003],
  // 1004 is reserved; 1005 and 1006 are never sent in a frame (§7.4.1).
  [1007, 1014],
  // Libraries and frameworks (3000–3999), applications (4000–4999).
  [3000, 4999],
];
const strictDecoder = new TextDecoder("utf-8", { fatal: true });

/**
 * Checks a Close frame's payload: empty, or a close code a peer may send and a UTF-8 reason.
 *
 * @throws {WebSocketError} ProtocolError for a one-byte payload or a reserved or undefined code,
 * InvalidData for a reason that is not UTF-8.
 *
 * @example
 * ```ts
 * checkClosePayload(new Uint8Array([0x03, 0xe8])); // 1000: fine
 * checkClosePayload(new Uint8Array([0x03, 0xe7])); // 999: throws, code 1002
 * ```
 */
export function checkClosePayload(payload: Uint8Array): void {
  if (payload.length === 0) return;
  if (payload.length === 1) {
    throw new WebSocketError(CloseCode.ProtocolError, "Close frame with a one-byte payload");
  }
  const code = (payload[0] << 8) | payload[1];
  if (!PEER_CLOSE_CODES.some(([low, high]) => code >= low && code <= high)) {
    throw new WebSocketError(CloseCode.ProtocolError, `Close code ${code} is not one to send`);
  }
  try {
    strictDecoder.decode(payload.subarray(2));
  } catch {
    throw new WebSocketError(CloseCode.InvalidData, "Close reason is not UTF-8");
  }
}

function isOpcode(value: number): value is Opcode {
  return value <= Opcode.Binary || (value >= Opcode.Close && value <= Opcode.Pong);
}

/**
 * One unmasked, unfragmented frame, as a server sends it (§5.1: a server never masks).
 *
 * @throws {RangeError} when a control frame's payload exceeds 125 bytes.
 *
 * @example
 * ```ts
 * encodeFrame(Opcode.Text, new TextEncoder().encode("hi")); // Uint8Array [0x81, 2, 104, 105]
 * ```
 */
export function encodeFrame(opcode: Opcode, payload: Uint8Array): Uint8Array {
  if ((opcode & CONTROL_FLAG) !== 0 && payload.length > MAX_CONTROL_PAYLOAD) {
    throw new RangeError(`Control frame payload of ${payload.length} bytes exceeds 125`);
  }
  const extra = payload.length < LENGTH_16 ? 0 : payload.length < U16_LIMIT ? 2 : 8;
  const out = new Uint8Array(2 + extra + payload.length);
  out[0] = FIN | opcode;
  if (extra === 0) out[1] = payload.length;
  else if (extra === 2) {
    out[1] = LENGTH_16;
    out[2] = payload.length >> 8;
    out[3] = payload.length & 0xff;
  } else {
    out[1] = LENGTH_64;
    const view = new DataView(out.buffer, 2, 8);
    view.setUint32(0, Math.floor(payload.length / TWO_TO_32));
    view.setUint32(4, payload.length % TWO_TO_32);
  }
  out.set(payload, 2 + extra);
  return out;
}

/** A Close frame with `code` and a short UTF-8 `reason` (cut to fit 125 bytes). */
export function encodeCloseFrame(code: CloseCode, reason = ""): Uint8Array {
  const text = new TextEncoder().encode(reason).subarray(0, MAX_CONTROL_PAYLOAD - 2);
  const payload = new Uint8Array(2 + text.length);
  payload[0] = code >> 8;
  payload[1] = code & 0xff;
  payload.set(text, 2);
  return encodeFrame(Opcode.Close, payload);
}
