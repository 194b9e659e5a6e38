/**
 * The layout of `struct mmsghdr`, `struct iovec` and `struct sockaddr_in` on 64-bit little-endian
 * Linux (x86_64, aarch64), shared by the batched sender and receiver and the error queue.
 *
 * @module
 */

/** `struct mmsghdr`: a `struct msghdr` (56 bytes) then `msg_len`, padded to 64. */
export const MMSGHDR_SIZE = 64;
/** `msg_name`: where the peer's address is. */
export const MSG_NAME = 0;
/** `msg_namelen`: its size (the kernel writes the received size there). */
export const MSG_NAMELEN = 8;
/** `msg_iov`: the payload's iovec. */
export const MSG_IOV = 16;
/** `msg_iovlen`: one iovec. */
export const MSG_IOVLEN = 24;
/** `msg_control`: where ancillary data (control messages) goes. */
export const MSG_CONTROL = 32;
/** `msg_controllen`: its size (the kernel writes the size it used there). */
export const MSG_CONTROLLEN = 40;
/** `msg_flags`: set by `recvmmsg` (e.g. MSG_TRUNC). */
export const MSG_FLAGS = 48;
/** `msg_len`: bytes sent or received. */
export const MSG_LEN = 56;
/** `struct iovec`: base pointer, then length. */
export const IOVEC_SIZE = 16;
/** `iov_len`. */
export const IOV_LEN = 8;
/** `struct sockaddr_in`. */
export const SOCKADDR_IN_SIZE = 16;
/** Bytes per element of the `Uint32Array` the structures are written through. */
export const WORD = 4;

const TWO_POW_32 = 0x1_0000_0000;
const BYTE = 8;
const BYTE_MASK = 0xff;
const HALF_WORD = 16;

/**
 * The native address of `bytes`. Only for large buffers: those live outside V8's moving heap, so
 * the address stays valid for the buffer's life.
 */
export function addressOf(bytes: Uint8Array): number {
  return Number(Deno.UnsafePointer.value(Deno.UnsafePointer.of(bytes)));
}

/** Writes a 64-bit pointer at `byteOffset` (8-byte aligned) of `words`. */
export function writePointer(words: Uint32Array, byteOffset: number, pointer: number): void {
  const index = byteOffset / WORD;
  words[index] = pointer % TWO_POW_32;
  words[index + 1] = Math.floor(pointer / TWO_POW_32);
}

/** The first word of a `sockaddr_in`: `sin_family` then `sin_port` in network order. */
export function familyAndPort(family: number, port: number): number {
  return (family | (((port & BYTE_MASK) << BYTE | port >>> BYTE) << HALF_WORD)) >>> 0;
}

/** The port of a `sockaddr_in` whose first word is `word`. */
export function portOf(word: number): number {
  const networkOrder = word >>> HALF_WORD;
  return (networkOrder & BYTE_MASK) << BYTE | networkOrder >>> BYTE;
}

/**
 * Fills the constant part of `slots` headers at `words`: each names its own `sockaddr_in` (at
 * `base + sockaddrOffset`) and its own iovec (at `base + iovOffset`).
 */
export function linkHeaders(
  words: Uint32Array,
  base: number,
  slots: number,
  iovOffset: number,
  sockaddrOffset: number,
): void {
  for (let slot = 0; slot < slots; slot++) {
    const header = slot * MMSGHDR_SIZE;
    writePointer(words, header + MSG_NAME, base + sockaddrOffset + slot * SOCKADDR_IN_SIZE);
    words[(header + MSG_NAMELEN) / WORD] = SOCKADDR_IN_SIZE;
    writePointer(words, header + MSG_IOV, base + iovOffset + slot * IOVEC_SIZE);
    words[(header + MSG_IOVLEN) / WORD] = 1;
  }
}

/**
 * `struct epoll_event`: `events` (u32) then `data` (u64). x86_64 packs it (12 bytes, data at 4);
 * other 64-bit architectures align `data` (16 bytes, data at 8).
 */
export const EPOLL_EVENT_SIZE = Deno.build.arch === "x86_64" ? 12 : 16;
/** Where `data` is in a `struct epoll_event`. */
export const EPOLL_DATA = Deno.build.arch === "x86_64" ? 4 : 8;
