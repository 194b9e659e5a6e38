/**
 * Pipe mode, for scripts and bots: one message per input line, one received event per output
 * line, nothing interactive. The end of input, or a line `/quit` or `/exit` as the standard
 * clients have it, leaves the room cleanly once every line read is confirmed by the server,
 * however long the server's flood limit makes that take (a progress note on stderr every
 * {@linkcode PROGRESS_EVERY_MS} meanwhile). A line that was not delivered (the session ended
 * first, or the server never confirmed it) is written on stderr, and the run ends with
 * `undelivered` unless the session's own end already says something went wrong.
 *
 * @module
 */

import { preview } from "../util/mod.ts";
import { enterRoom, type EntryRequest, rejoinRoom } from "./enter_room.ts";
import { formatEventLine, toJsonLine } from "./event_lines.ts";
import { sanitizeForTerminal } from "./tui/mod.ts";
import type { LineReader } from "./line_reader.ts";
import type { LineOutput } from "./output.ts";
import type { Reason } from "./reason.ts";
import type { ServerAddress } from "./room_request.ts";
import { endMessage, endReason } from "./session_end.ts";
import { ChatSession, type RejoinState } from "./session.ts";

/** What pipe mode runs with. */
export interface PipeModeOptions {
  /** Where the server is. */
  server: ServerAddress;
  /** The room to enter, as whom, with which password. */
  request: EntryRequest;
  /** JSON lines instead of plain text. */
  json: boolean;
  /** The message lines (stdin, after the password line if any). */
  input: LineReader;
  /** Where events go (stdout). */
  output: LineOutput;
  /** Where notes about our own messages and the end of the session go (stderr). */
  errors: LineOutput;
}

/** How often, while the end of input waits for confirmations, stderr says how many are left. */
export const PROGRESS_EVERY_MS = 5_000;
/** How many unconfirmed messages may queue before input reading pauses. */
export const MAX_QUEUED_MESSAGES = 64;

/**
 * Enters the room, then runs pipe mode until the input ends (then leaves) or the session ends
 * otherwise, and says why it ended. Our own messages are not written back out, so a bot does not
 * read its own words as input.
 *
 * @throws {ClientError} when the server is unreachable or refuses the request.
 */
export async function runPipeMode(options: PipeModeOptions): Promise<Reason> {
  const { request, output, errors } = options;
  const entry = await enterRoom(options.server, request);
  const session = new ChatSession({
    socket: entry.socket,
    server: entry.server,
    roomName: request.room,
    username: request.name,
    token: entry.token,
    channel: entry.channel,
    rejoin: (token) => rejoinRoom(options.server, request, token),
    onRejoin: (state) => output.line(rejoinLine(state, request.room, options.json)),
    onEvent: (event, self) => {
      if (self) return;
      const line = formatEventLine(event, options.json);
      if (line !== null) output.line(line);
    },
    onUndelivered: (text) => {
      undelivered++;
      errors.line(`kaiwa: the server did not confirm a message, not delivered: ${quoted(text)}`);
    },
  });
  let undelivered = 0;
  const running = session.run();
  const feeding = feed(session, options);
  const end = await running;
  await options.input.cancel();
  await feeding;
  const message = endMessage(end, session.silenceLimitMs);
  if (message !== null) errors.line(`kaiwa: ${message}`);
  for (const text of session.unconfirmed) {
    undelivered++;
    errors.line(`kaiwa: the session ended first, not delivered: ${quoted(text)}`);
  }
  await output.flush();
  await errors.flush();
  const reason = endReason(end);
  return reason === "left" && undelivered > 0 ? "undelivered" : reason;
}

/** What an input line means in pipe mode. */
export type PipeLine = { type: "say"; text: string } | { type: "quit" };

/** The lines that leave the room, as the standard clients and the interactive mode have them. */
const QUIT_LINES: ReadonlySet<string> = new Set(["/quit", "/exit"]);
/** A line starting with two slashes is sent with one: `//quit` sends `/quit`. */
const ESCAPED_PREFIX = "//";

/**
 * Reads one input line. Only a line that is exactly `/quit` or `/exit` is a command; `//` escapes
 * a leading slash; every other line is sent as it is, so a log line that starts with a path
 * (`/var/log/x: error`) still reaches the room.
 *
 * @example
 * ```ts
 * parsePipeLine("/quit"); // { type: "quit" }
 * parsePipeLine("//etc/passwd changed"); // { type: "say", text: "/etc/passwd changed" }
 * parsePipeLine("/var/log/x: error"); // { type: "say", text: "/var/log/x: error" }
 * ```
 */
export function parsePipeLine(line: string): PipeLine {
  if (QUIT_LINES.has(line)) return { type: "quit" };
  if (line.startsWith(ESCAPED_PREFIX)) return { type: "say", text: line.slice(1) };
  return { type: "say", text: line };
}

async function feed(session: ChatSession, options: PipeModeOptions): Promise<void> {
  for (;;) {
    const line = await options.input.next().catch(() => null);
    if (line === null) break;
    const input = parsePipeLine(line);
    // A host's /quit closes the room at once: in a pipe there is no one to confirm it.
    if (input.type === "quit") break;
    const result = session.say(input.text);
    if (result === "too-long") {
      options.errors.line(
        `kaiwa: a message over ${session.maxMessageBytes} bytes does not fit in one datagram and was not sent: ${
          quoted(input.text)
        }`,
      );
    }
    await session.settle(MAX_QUEUED_MESSAGES);
  }
  const progress = setInterval(() => {
    const pending = session.pending;
    if (pending > 0) {
      options.errors.line(
        `kaiwa: ${pending} ${pending === 1 ? "line" : "lines"} still to confirm`,
      );
    }
  }, PROGRESS_EVERY_MS);
  try {
    await session.leave();
  } finally {
    clearInterval(progress);
  }
}

/**
 * The output line for a rejoin: a notice in plain mode, an object in JSON mode (whose `type`
 * no kaiwa event has).
 *
 * @example
 * ```ts
 * rejoinLine("back", "lobby", false); // "* back in lobby"
 * rejoinLine("rejoining", "lobby", true); // '{"type":"rejoining","room":"lobby"}'
 * ```
 */
export function rejoinLine(state: RejoinState, room: string, json: boolean): string {
  if (json) return toJsonLine({ type: state === "back" ? "rejoined" : "rejoining", room });
  return state === "back"
    ? `* back in ${sanitizeForTerminal(room)}`
    : "* connection lost; rejoining…";
}

/** A quoted preview: JSON quotes show exactly where the text starts and ends, spaces included. */
function quoted(text: string): string {
  return JSON.stringify(preview(text));
}
