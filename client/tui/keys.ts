/**
 * Turns the bytes a terminal in raw mode sends into key events. Input may be cut anywhere (a UTF-8
 * character or an escape sequence split across reads): the decoder keeps the unfinished tail and
 * completes it with the next chunk.
 *
 * @module
 */

import { concatBytes } from "../../util/mod.ts";
import { parseEscapeSequence } from "./escape_keys.ts";
import type { ControlLetter, Key } from "./key.ts";

/** Largest bracketed paste kept; bytes beyond it are dropped so a runaway paste cannot eat memory. */
export const MAX_PASTE_BYTES = 64 * 1024;

const ESC = 0x1b;
const CARRIAGE_RETURN = 0x0d;
const LINE_FEED = 0x0a;
const TAB = 0x09;
const BACKSPACE = 0x08;
const DELETE = 0x7f;
const FIRST_PRINTABLE = 0x20;
const CTRL_Z = 0x1a;
/** Control codes are the letter's code minus 0x60 (ctrl-a = 0x01). */
const CONTROL_TO_LETTER = 0x60;
const CSI_OPENER = 0x5b; // [
const PASTE_END_BYTES = new Uint8Array([ESC, CSI_OPENER, 0x32, 0x30, 0x31, 0x7e]); // ESC[201~

/** Index of `needle` in `haystack` from `from`, or -1. */
function indexOfBytes(haystack: Uint8Array, needle: Uint8Array, from: number): number {
  const first = needle[0];
  for (let i = haystack.indexOf(first, from); i !== -1; i = haystack.indexOf(first, i + 1)) {
    if (i + needle.length > haystack.length) return -1;
    let match = true;
    for (let j = 1; j < needle.length && match; j++) match = haystack[i + j] === needle[j];
    if (match) return i;
  }
  return -1;
}

/** Length of the longest tail of `bytes` that is a proper prefix of `needle`. */
function partialSuffixLength(bytes: Uint8Array, needle: Uint8Array): number {
  for (let length = Math.min(needle.length - 1, bytes.length); length > 0; length--) {
    let match = true;
    for (let j = 0; j < length && match; j++) {
      match = bytes[bytes.length - length + j] === needle[j];
    }
    if (match) return length;
  }
  return 0;
}

/**
 * Decodes raw terminal input into {@link Key}s.
 *
 * @example
 * ```ts
 * const decoder = new KeyDecoder();
 * decoder.feed(new Uint8Array([0x68, 0x69, 0x1b])); // [{ type: "text", text: "hi" }]
 * decoder.feed(new Uint8Array([0x5b, 0x44]));       // [{ type: "left" }]
 * ```
 */
export class KeyDecoder {
  #pending = new Uint8Array(0);
  #text = new TextDecoder("utf-8", { ignoreBOM: true });
  #pasteText = new TextDecoder("utf-8", { ignoreBOM: true });
  #paste: string | null = null;
  #pasteBytes = 0;
  #afterCarriageReturn = false;

  /**
   * True while an unfinished escape sequence (or a lone ESC that may start one) is held back
   * outside a paste. The caller may call {@link flush} after a short quiet time so that a lone
   * Escape key press is not stuck. A paste in progress does not count: it ends only at its end
   * marker, however slowly its body arrives (a terminal sends a long paste in several reads).
   */
  get hasPending(): boolean {
    return this.#paste === null && this.#pending.length > 0;
  }

  /** Decodes the next chunk of input, returning the keys it completes. */
  feed(chunk: Uint8Array): Key[] {
    const bytes = this.#pending.length === 0 ? chunk : concatBytes(this.#pending, chunk);
    this.#pending = new Uint8Array(0);
    const keys: Key[] = [];
    let i = 0;
    while (i < bytes.length) {
      if (this.#paste !== null) {
        i = this.#readPaste(bytes, i, keys);
        continue;
      }
      let end = i;
      while (end < bytes.length && bytes[end] >= FIRST_PRINTABLE && bytes[end] !== DELETE) end++;
      if (end > i) {
        // Bytes of a UTF-8 character cut by the end of the chunk stay inside the TextDecoder.
        this.#pushText(
          keys,
          this.#text.decode(bytes.subarray(i, end), { stream: end === bytes.length }),
        );
        this.#afterCarriageReturn = false;
        i = end;
        continue;
      }
      const consumed = this.#readControl(bytes, i, keys);
      if (consumed === 0) {
        this.#pending = bytes.slice(i);
        break;
      }
      i += consumed;
    }
    return keys;
  }

  /**
   * Gives up waiting: a held lone ESC becomes an Escape key, an unfinished sequence is dropped,
   * an unfinished paste is delivered as it is (at the end of input).
   */
  flush(): Key[] {
    const keys: Key[] = [];
    if (this.#paste !== null) {
      this.#finishPaste(keys, this.#pasteText.decode(this.#pending));
    } else if (this.#pending.length === 1 && this.#pending[0] === ESC) {
      keys.push({ type: "escape" });
    }
    this.#pending = new Uint8Array(0);
    this.#pushText(keys, this.#text.decode());
    return keys;
  }

  /** Reads one control byte or escape sequence at `i`; returns the bytes used, 0 if incomplete. */
  #readControl(bytes: Uint8Array, i: number, keys: Key[]): number {
    const byte = bytes[i];
    this.#pushText(keys, this.#text.decode()); // a cut UTF-8 character before a control is invalid
    const afterCarriageReturn = this.#afterCarriageReturn;
    this.#afterCarriageReturn = byte === CARRIAGE_RETURN;
    if (byte === CARRIAGE_RETURN) keys.push({ type: "enter" });
    else if (byte === LINE_FEED) {
      if (!afterCarriageReturn) keys.push({ type: "enter" }); // CR LF is one Enter
    } else if (byte === DELETE || byte === BACKSPACE) keys.push({ type: "backspace" });
    else if (byte === TAB) keys.push({ type: "tab" });
    else if (byte === ESC) {
      const parsed = parseEscapeSequence(bytes, i);
      if (!parsed.complete) return 0;
      if (parsed.paste) this.#paste = "";
      if (parsed.key) keys.push(parsed.key);
      return parsed.length;
    } else if (byte >= 0x01 && byte <= CTRL_Z) {
      keys.push({ type: `ctrl-${String.fromCharCode(byte + CONTROL_TO_LETTER) as ControlLetter}` });
    }
    return 1; // NUL and 0x1c–0x1f have no meaning here
  }

  /** Collects paste content from `i` up to the end marker; returns where to continue. */
  #readPaste(bytes: Uint8Array, i: number, keys: Key[]): number {
    const end = indexOfBytes(bytes, PASTE_END_BYTES, i);
    if (end !== -1) {
      this.#appendPaste(bytes.subarray(i, end), false);
      this.#finishPaste(keys, "");
      return end + PASTE_END_BYTES.length;
    }
    const keep = partialSuffixLength(bytes.subarray(i), PASTE_END_BYTES);
    this.#appendPaste(bytes.subarray(i, bytes.length - keep), true);
    this.#pending = bytes.slice(bytes.length - keep);
    return bytes.length;
  }

  /** Adds paste bytes, up to {@link MAX_PASTE_BYTES} in all. */
  #appendPaste(bytes: Uint8Array, stream: boolean): void {
    const room = Math.max(0, MAX_PASTE_BYTES - this.#pasteBytes);
    const kept = bytes.subarray(0, room);
    this.#pasteBytes += kept.length;
    this.#paste += this.#pasteText.decode(kept, { stream });
  }

  /** Ends the paste in progress, adding `tail` (its last decoded bytes). */
  #finishPaste(keys: Key[], tail: string): void {
    const text = (this.#paste ?? "") + tail;
    this.#paste = null;
    this.#pasteBytes = 0;
    if (text.length > 0) keys.push({ type: "paste", text });
  }

  /** Adds text, merged into the previous key when that is text too. */
  #pushText(keys: Key[], text: string): void {
    if (text.length === 0) return;
    const last = keys[keys.length - 1];
    if (last?.type === "text") last.text += text;
    else keys.push({ type: "text", text });
  }
}
