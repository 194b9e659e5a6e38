/**
 * Reads the test vector table of docs/protocol.md §6, so that the tests check the codecs against
 * the bytes the specification publishes rather than against a copy that could drift from it.
 *
 * @module
 */

const PROTOCOL_DOC = new URL("../docs/protocol.md", import.meta.url);
const SECTION_HEADING = "## 6. Test vectors";
// A table row whose first cell is a code-quoted id: `| \`id\` | what | \`hex\` |`.
const VECTOR_ROW = /^\|\s*`([^`]+)`\s*\|(.*)\|\s*`([^`]*)`\s*\|\s*$/;
const HEX_BYTE = /^[0-9a-f]{2}$/;
const HEX_RADIX = 16;

/**
 * Parses the §6 table out of the protocol document's text into id → bytes.
 *
 * @throws {Error} when the section is missing or empty, a row is malformed, a byte is not two
 * lowercase hex digits, or an id appears twice: a broken table must fail the tests, not shrink
 * them.
 */
export function parseVectorTable(
  markdown: string,
  heading: string = SECTION_HEADING,
): Map<string, Uint8Array> {
  const start = markdown.indexOf(heading);
  if (start < 0) throw new Error(`Cannot find "${heading}" in docs/protocol.md`);
  const nextSection = markdown.indexOf("\n## ", start + heading.length);
  const section = markdown.slice(start, nextSection < 0 ? undefined : nextSection);
  const vectors = new Map<string, Uint8Array>();
  for (const line of section.split("\n")) {
    if (!line.startsWith("| `")) continue;
    const match = VECTOR_ROW.exec(line);
    if (match === null) throw new Error(`Malformed test vector row: ${line}`);
    const [, id, , hex] = match;
    if (vectors.has(id)) throw new Error(`Duplicate test vector id: ${id}`);
    vectors.set(id, parseHex(id, hex));
  }
  if (vectors.size === 0) throw new Error("The test vector table of docs/protocol.md is empty");
  return vectors;
}

/**
 * Reads docs/protocol.md and returns the vectors of the section under `heading` (§6 by default),
 * id → bytes. Needs read permission.
 */
export async function loadVectors(
  heading: string = SECTION_HEADING,
): Promise<Map<string, Uint8Array>> {
  return parseVectorTable(await Deno.readTextFile(PROTOCOL_DOC), heading);
}

function parseHex(id: string, hex: string): Uint8Array {
  const tokens = hex.trim().split(/\s+/).filter((token) => token.length > 0);
  for (const token of tokens) {
    if (!HEX_BYTE.test(token)) throw new Error(`Test vector ${id}: "${token}" is not a hex byte`);
  }
  return Uint8Array.from(tokens, (token) => parseInt(token, HEX_RADIX));
}
