/**
 * What Linux's /proc says about a process and about UDP sockets: resident memory, CPU time, and
 * datagrams the kernel dropped because a socket's receive buffer was full. On other systems
 * every reading is null and the table shows "-".
 *
 * Deno lets a program read /proc only with --allow-all, so the files are read by `cat` (the
 * task has --allow-run) rather than widening the benchmark's permissions.
 *
 * @module
 */

import process from "node:process";
import { MS_PER_SECOND } from "../util/mod.ts";

/** /proc reports CPU time in clock ticks of 1/100 s (USER_HZ, fixed on Linux). */
const TICKS_PER_SECOND = 100;
/** Fields of /proc/<pid>/stat after the command name: utime and stime (proc(5) fields 14, 15). */
const UTIME_FIELD = 11;
const STIME_FIELD = 12;
const HEX = 16;
/** /proc/net/udp columns: local address ("0100007F:1F90") and, last, drops. */
const LOCAL_ADDRESS_COLUMN = 1;
const KIB = 1024;
const PERCENT = 100;

const US_PER_SECOND = 1_000_000;
const decoder = new TextDecoder();

/** The text of a /proc file, or null when it cannot be read. */
export async function readProcFile(path: string): Promise<string | null> {
  try {
    const { success, stdout } = await new Deno.Command("cat", {
      args: [path],
      stdout: "piped",
      stderr: "null",
    }).output();
    return success ? decoder.decode(stdout) : null;
  } catch {
    return null;
  }
}

/** Resident memory of process `pid` in bytes (VmRSS), or null. */
export async function residentBytes(pid: number): Promise<number | null> {
  const status = await readProcFile(`/proc/${pid}/status`);
  const match = status?.match(/^VmRSS:\s+(\d+) kB$/m);
  return match ? Number(match[1]) * KIB : null;
}

/** CPU time (user + system) this process has used, all threads, in seconds. */
export function ownCpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / US_PER_SECOND;
}

/** CPU time (user + system) process `pid` has used, all threads, in seconds, or null. */
export async function cpuSeconds(pid: number): Promise<number | null> {
  const stat = await readProcFile(`/proc/${pid}/stat`);
  if (stat === null) return null;
  // The command name is in parentheses and may contain spaces: count fields after it.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[UTIME_FIELD]) + Number(fields[STIME_FIELD])) / TICKS_PER_SECOND;
}

/**
 * Datagrams the kernel dropped on IPv4 UDP sockets, summed over the sockets bound to one of
 * `ports` (e.g. the server's, or the clients'), or null.
 */
export async function udpDrops(ports: ReadonlySet<number>): Promise<number | null> {
  const table = await readProcFile("/proc/net/udp");
  if (table === null) return null;
  let drops = 0;
  for (const line of table.split("\n").slice(1)) {
    const columns = line.trim().split(/\s+/);
    if (columns.length <= LOCAL_ADDRESS_COLUMN) continue;
    const port = parseInt(columns[LOCAL_ADDRESS_COLUMN].split(":")[1], HEX);
    if (ports.has(port)) drops += Number(columns[columns.length - 1]);
  }
  return drops;
}

/** CPU use between two readings, as a percentage of one core; null if either is missing. */
export function cpuPercent(
  before: number | null,
  after: number | null,
  elapsedMs: number,
): number | null {
  if (before === null || after === null || elapsedMs <= 0) return null;
  return ((after - before) * MS_PER_SECOND * PERCENT) / elapsedMs;
}
