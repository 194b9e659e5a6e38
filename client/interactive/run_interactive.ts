/**
 * The interactive client, wired: the entry questions, then the chat screen over a session, on
 * any {@link Terminal}. The process's own terminal is opened by `joinInteractive` (mod.ts).
 *
 * @module
 */

import { ClientError } from "../errors.ts";
import { pinnedNotice, type ServerPin } from "../known_servers.ts";
import { serverAddressOf } from "../server_address.ts";
import { enterRoom, type EntryRequest, rejoinRoom, type RoomEntry } from "../enter_room.ts";
import type { JoinOptions } from "../options.ts";
import type { Reason } from "../reason.ts";
import { listRooms, type ServerAddress } from "../room_request.ts";
import { ChatSession, type SessionOptions } from "../session.ts";
import { endReason } from "../session_end.ts";
import { detectColorMode, type TerminalTraits } from "../tui/mod.ts";
import { ChatScreen } from "./chat_screen.ts";
import { ChatView } from "./chat_view.ts";
import { chooseAndEnter } from "./entry_flow.ts";
import { TerminalPrompter } from "./prompter.ts";
import { type ReconnectDeps, reenterRoom } from "./reconnect.ts";
import type { Terminal } from "./terminal.ts";

/** What the interactive client runs on. */
export interface InteractiveDeps {
  /** The terminal (raw mode already on). */
  terminal: Terminal;
  /** What decides colour and cursor codes (NO_COLOR, TERM, COLORTERM, output is a terminal). */
  traits: TerminalTraits;
  /** Milliseconds since the epoch, for local notices. */
  clock?: () => number;
  /** IANA time zone of the times shown (the process's own when absent), for tests. */
  timeZone?: string;
  /** Session timings, for tests. */
  session?: Pick<
    SessionOptions,
    "tickMs" | "liveness" | "resend" | "rejoinDelaysMs" | "sleep"
  >;
  /** Reconnection pauses after the server went away, for tests. */
  reconnect?: Pick<ReconnectDeps, "delaysMs" | "sleep">;
}

/** A terminal that cannot move its cursor. */
const DUMB_TERMINAL = "dumb";

/**
 * Runs the interactive client to its end and says how it ended: `left` when the user quits or
 * leaves, else the reason of the session's end (see `endReason`).
 *
 * @throws {ClientError} when the server is unreachable or refuses what the command line asked.
 */
export async function runInteractive(
  options: JoinOptions,
  deps: InteractiveDeps,
): Promise<Reason> {
  const { terminal, traits } = deps;
  const clock = deps.clock ?? Date.now;
  const ansi = traits.term !== DUMB_TERMINAL;
  const prompter = new TerminalPrompter(terminal, ansi);
  // A first connection's pin is told where the user is looking: a line among the questions
  // before the chat, a notice on the chat screen once it is drawn (stderr would break either).
  let tellPinned = (pin: ServerPin) => prompter.say(`kaiwa: ${pinnedNotice(pin)}`);
  const server: ServerAddress = serverAddressOf(options, (pin) => tellPinned(pin));
  const list = () => listRooms(server);
  const entered = await chooseAndEnter(options, {
    prompter,
    enter: (request) => enterRoom(server, request),
    list,
  });
  if (entered === null) return "left";
  // Our latest token. A reconnection's join resumes it: a server that still holds us (a long
  // silence, not a restart) keeps us as the same member, instead of refusing our own name as
  // taken; a server that does not know it lets us join as anyone else.
  let token = entered.entry.token;
  const rejoin = async (request: EntryRequest, resumed: string) => {
    const entry = await rejoinRoom(server, request, resumed);
    token = entry.token;
    return entry;
  };
  // A session's handlers reach the screen only once screen.run() has started it.
  const startSession = (entry: RoomEntry, request: EntryRequest) => {
    token = entry.token;
    return new ChatSession({
      ...deps.session,
      socket: entry.socket,
      server: entry.server,
      roomName: request.room,
      username: request.name,
      token: entry.token,
      channel: entry.channel,
      rejoin: (resumed) => rejoin(request, resumed),
      onRejoin: (state) => screen.rejoin(state),
      onEvent: (event, self) => screen.event(event, self),
      onUndelivered: (text) => screen.undelivered(text),
      onConfirmed: () => screen.confirmed(),
    });
  };
  const session = startSession(entered.entry, entered.request);
  const view = new ChatView({
    room: entered.request.room,
    name: entered.request.name,
    created: entered.request.create,
    style: { color: detectColorMode(traits), timeZone: deps.timeZone },
    silenceLimitMs: session.silenceLimitMs,
    clock,
  });
  const screen = new ChatScreen({
    terminal,
    view,
    ansi,
    clock,
    listRooms: list,
    bell: options.bell ? "always" : "unfocused",
    reconnect: async (signal) => {
      const again = await reenterRoom(
        entered.request,
        {
          ...deps.reconnect,
          enter: (request) => request.create ? enterRoom(server, request) : rejoin(request, token),
        },
        signal,
      );
      if (again === null || again instanceof ClientError) return again;
      return {
        session: startSession(again.entry, again.request),
        created: again.request.create,
      };
    },
  });
  tellPinned = (pin) => screen.notice(pinnedNotice(pin));
  return endReason(await screen.run(session));
}
