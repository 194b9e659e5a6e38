/**
 * WebSocket bytes as a page would send them, for the web port's tests.
 *
 * @module
 */

/**
 * A masked client frame (FIN set) with a zero mask, so the payload is sent as is; `payload` is
 * under 126 bytes (its length fits the frame's first length byte).
 */
export function maskedFrame(opcode: number, payload: number[]): Uint8Array {
  return new Uint8Array([0x80 | opcode, 0x80 | payload.length, 0, 0, 0, 0, ...payload]);
}
