/**
 * Figures read from the server's log lines.
 *
 * @module
 */

const encoder = new TextEncoder();
/** "kaiwa: fault in accepting a connection: … (12 more faults were not logged)". */
const UNLOGGED = /\((\d+) more faults were not logged\)/;

/** Bytes of `lines` as written, newlines included. */
export function logBytes(lines: readonly string[]): number {
  return lines.reduce((sum, line) => sum + encoder.encode(line).length + 1, 0);
}

/**
 * Faults in `where` among `lines`: the logged ones plus the unlogged counts they carry (the
 * server logs one fault a second and says how many it skipped).
 */
export function faultCount(lines: readonly string[], where: string): number {
  let count = 0;
  for (const line of lines) {
    if (!line.includes(`fault in ${where}`)) continue;
    count += 1 + Number(UNLOGGED.exec(line)?.[1] ?? 0);
  }
  return count;
}

/** Lines written to the log while `work` ran. */
export async function linesDuring<T>(
  log: () => readonly string[],
  work: () => Promise<T>,
): Promise<{ value: T; lines: readonly string[] }> {
  const start = log().length;
  const value = await work();
  return { value, lines: log().slice(start) };
}
