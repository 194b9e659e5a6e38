/**
 * The colour each sender's name is shown in, the same in the terminal client and the browser
 * page: a stable hash of the name picks one of a few mid-bright hues.
 *
 * @module
 */

/**
 * Name colours of the xterm 256-colour palette: mid-bright hues readable on dark and light
 * backgrounds (no near-black, near-white or pale yellow).
 */
export const NAME_PALETTE_256 = [32, 37, 35, 70, 136, 166, 160, 162, 127, 98, 62, 30] as const;

/** Name colours of the 16-colour palette: normal and bright red…cyan, without bright yellow. */
export const NAME_PALETTE_16 = [31, 32, 33, 34, 35, 36, 91, 92, 94, 95, 96] as const;

const FNV_OFFSET_BASIS = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
/** First index of the xterm 6×6×6 colour cube, and its channel levels. */
const CUBE_START = 16;
const CUBE_SIDE = 6;
const CUBE_LEVELS = [0, 95, 135, 175, 215, 255] as const;
const HEX = 16;

/**
 * A stable 32-bit FNV-1a hash of the name's code points: the same name gets the same colour in
 * every session and on every machine.
 *
 * @example
 * ```ts
 * nameHash("alice") === nameHash("alice"); // true, always
 * ```
 */
export function nameHash(name: string): number {
  let hash = FNV_OFFSET_BASIS;
  for (const char of name) {
    hash ^= char.codePointAt(0)!;
    hash = Math.imul(hash, FNV_PRIME) >>> 0;
  }
  return hash;
}

/**
 * The name's colour as a CSS hex colour: the RGB value of the xterm 256-colour index the
 * terminal client paints it in.
 *
 * @example
 * ```ts
 * nameCssColor("alice"); // e.g. "#00afaf", the same as the terminal's colour for alice
 * ```
 */
export function nameCssColor(name: string): string {
  const index = NAME_PALETTE_256[nameHash(name) % NAME_PALETTE_256.length] - CUBE_START;
  const red = CUBE_LEVELS[Math.floor(index / (CUBE_SIDE * CUBE_SIDE))];
  const green = CUBE_LEVELS[Math.floor(index / CUBE_SIDE) % CUBE_SIDE];
  const blue = CUBE_LEVELS[index % CUBE_SIDE];
  return `#${[red, green, blue].map((level) => level.toString(HEX).padStart(2, "0")).join("")}`;
}
