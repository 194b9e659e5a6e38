/**
 * Members by token, found from a datagram's token bytes without making a string of them: a
 * 32-bit hash of the characters picks the bucket, and the bytes are compared with the token's
 * characters. Tokens are ASCII (base64url, §2.5), so a token's bytes are its character codes; a
 * datagram's bytes that are not ASCII match no token (as a token decoded from them would match
 * none of the server's).
 *
 * @module
 */

import type { Member } from "./room.ts";

/** FNV-1a (32 bits): the offset basis and prime. */
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
/**
 * The bits of the hash kept as the map key: 30, so that every key is a small integer V8 stores
 * in the map's slot itself (a larger one is a heap number, 16 more bytes per member).
 */
const KEY_MASK = 0x3fffffff;

/** The FNV-1a hash of a token's character codes. */
function hashString(token: string): number {
  let hash = FNV_OFFSET;
  for (let i = 0; i < token.length; i++) hash = Math.imul(hash ^ token.charCodeAt(i), FNV_PRIME);
  return hash & KEY_MASK;
}

/** The FNV-1a hash of `length` bytes of `bytes` from `start`: a token string's hash when equal. */
function hashBytes(bytes: Uint8Array, start: number, length: number): number {
  let hash = FNV_OFFSET;
  const end = start + length;
  for (let i = start; i < end; i++) hash = Math.imul(hash ^ bytes[i], FNV_PRIME);
  return hash & KEY_MASK;
}

/** Character codes below this are ASCII: one UTF-8 byte each, equal to the code. */
const ASCII_END = 0x80;

/**
 * True when `length` bytes of `bytes` from `start` are `token`'s character codes, all ASCII (a
 * token with another character is matched by no bytes: its UTF-8 would differ from its codes).
 */
function sameToken(token: string, bytes: Uint8Array, start: number, length: number): boolean {
  if (token.length !== length) return false;
  for (let i = 0; i < length; i++) {
    const code = token.charCodeAt(i);
    if (code !== bytes[start + i] || code >= ASCII_END) return false;
  }
  return true;
}

/**
 * Members by token. Tokens are random, so two of them sharing a hash is rare: such a bucket holds
 * an array.
 */
export class TokenIndex {
  readonly #buckets = new Map<number, Member | Member[]>();
  #size = 0;

  /** Members indexed. */
  get size(): number {
    return this.#size;
  }

  /** The member holding `token`, if any. */
  get(token: string): Member | undefined {
    const bucket = this.#buckets.get(hashString(token));
    if (bucket === undefined) return undefined;
    if (!Array.isArray(bucket)) return bucket.token === token ? bucket : undefined;
    return bucket.find((member) => member.token === token);
  }

  /**
   * The member whose token is the `length` bytes of `bytes` from `start` (a datagram's token
   * field), if any; nothing is allocated.
   */
  getBytes(bytes: Uint8Array, start: number, length: number): Member | undefined {
    const bucket = this.#buckets.get(hashBytes(bytes, start, length));
    if (bucket === undefined) return undefined;
    if (!Array.isArray(bucket)) {
      return sameToken(bucket.token, bytes, start, length) ? bucket : undefined;
    }
    for (const member of bucket) {
      if (sameToken(member.token, bytes, start, length)) return member;
    }
    return undefined;
  }

  /** True when a member holds `token`. */
  has(token: string): boolean {
    return this.get(token) !== undefined;
  }

  /** Adds `member` under its token, which no indexed member holds. */
  add(member: Member): void {
    const hash = hashString(member.token);
    const bucket = this.#buckets.get(hash);
    if (bucket === undefined) this.#buckets.set(hash, member);
    else if (Array.isArray(bucket)) bucket.push(member);
    else this.#buckets.set(hash, [bucket, member]);
    this.#size += 1;
  }

  /** Removes `member`, if indexed. */
  delete(member: Member): void {
    const hash = hashString(member.token);
    const bucket = this.#buckets.get(hash);
    if (bucket === member) {
      this.#buckets.delete(hash);
      this.#size -= 1;
    } else if (Array.isArray(bucket)) {
      const at = bucket.indexOf(member);
      if (at < 0) return;
      bucket.splice(at, 1);
      this.#size -= 1;
      if (bucket.length === 1) this.#buckets.set(hash, bucket[0]);
    }
  }

  /** Forgets everyone. */
  clear(): void {
    this.#buckets.clear();
    this.#size = 0;
  }
}
