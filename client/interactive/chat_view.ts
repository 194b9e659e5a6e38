/**
 * What the chat screen shows for each event, and what it knows of the room: the member list
 * and whether we are its host. Pure: events and times in, formatted lines out.
 *
 * @module
 */

import { formatTextNotice, type KaiwaEvent, type MemberEntry } from "../../protocol/mod.ts";
import { endMessage } from "../session_end.ts";
import type { SessionEnd } from "../session.ts";
import {
  formatChatLine,
  formatDay,
  formatDayChange,
  formatNotice,
  type RenderStyle,
  truncateToWidth,
} from "../tui/mod.ts";
import { parseAction } from "./action.ts";
import { mentions } from "./mention.ts";

/** What a view starts from. */
export interface ChatViewOptions {
  /** The room's name. */
  room: string;
  /** Our username. */
  name: string;
  /** True when we created the room (until a member list says otherwise). */
  created: boolean;
  /** Colour or not. */
  style: RenderStyle;
  /** The session's silence limit in milliseconds, which a lost connection reports. */
  silenceLimitMs: number;
  /** Milliseconds since the epoch: which day is today, for dating older messages. */
  clock: () => number;
}

/** The notice a host gets on the first `/quit`. */
export const HOST_QUIT_WARNING =
  "you are the host: leaving closes the room for everyone — /quit (or Ctrl-C) again to leave";

/** The notice before the first History message, followed by the room's name. */
export const HISTORY_HEADER = "earlier messages in";

/** The notice before the History a rejoin brings: what was said while we were not there. */
export const AWAY_HEADER = "messages while you were away:";

/** The wire notices start with this marker; the screen draws its own. */
const TEXT_NOTICE_PREFIX = "* ";
/** Cells of the room's name in the prompt: a longer one is cut, so the input keeps its room. */
export const PROMPT_ROOM_CELLS = 16;
const ELLIPSIS = "…";
/**
 * The prompt's member count while it is not known (reconnecting, until the member list comes):
 * the ellipsis of the "reconnecting…" notice, as short as a count, never one that may be wrong.
 */
export const UNKNOWN_COUNT = "…";

/** The room as the screen knows it, and the lines each event becomes. */
export class ChatView {
  readonly #options: ChatViewOptions;
  #members: MemberEntry[];
  /** False after the server went away, until its member list says how many we are again. */
  #countKnown = true;
  /** The notice the next History message comes under, or null: those that follow it need none. */
  #historyHeader: string | null;
  /** The day of the last line shown ("YYYY-MM-DD"), so that a change of day is marked. */
  #lastDay: string | null = null;

  /** Starts with only us in the list, host when we created the room. */
  constructor(options: ChatViewOptions) {
    this.#options = options;
    this.#members = [{ name: options.name, host: options.created, you: true }];
    this.#historyHeader = `${HISTORY_HEADER} ${options.room}:`;
  }

  /** The members as last known, in the server's order plus arrivals since. */
  get members(): readonly MemberEntry[] {
    return this.#members;
  }

  /** Whether we are the room's host, so that leaving closes it. */
  get isHost(): boolean {
    return this.#members.some((member) => member.you && member.host);
  }

  /** The room's name. */
  get room(): string {
    return this.#options.room;
  }

  /**
   * Forgets the members, as after the server went away: until a new member list comes, we are
   * the only one known, and not known to be the host.
   */
  restart(): void {
    this.#members = [{ name: this.#options.name, host: false, you: true }];
    this.#countKnown = false;
  }

  /**
   * The session is rejoining: the History that comes next is what we missed meanwhile (the
   * session drops the messages we saw), so it is headed as such, not as the room's past.
   */
  rejoining(): void {
    this.#historyHeader = AWAY_HEADER;
  }

  /**
   * The prompt of the input line, a status in brief: the room (cut when long), its member count,
   * the lines that arrived while the view is scrolled up (`unread`), and our messages not yet
   * confirmed (`sending`), e.g. "[lobby 3 +2] bob (sending 1)> "; "[lobby …] bob> " while
   * the count is not known (after {@link restart}, until a member list).
   */
  prompt(unread = 0, sending = 0): string {
    const room = truncateToWidth(this.#options.room, PROMPT_ROOM_CELLS, ELLIPSIS);
    const more = unread > 0 ? ` +${unread}` : "";
    const queued = sending > 0 ? ` (sending ${sending})` : "";
    const count = this.#countKnown ? String(this.#members.length) : UNKNOWN_COUNT;
    return `[${room} ${count}${more}] ${this.#options.name}${queued}> `;
  }

  /** The first lines on the chat screen. */
  welcome(time: number): string[] {
    const { room, created } = this.#options;
    const what = created ? `you created ${room} and are its host` : `you joined ${room}`;
    return this.notice(`${what}; /help lists the commands`, time);
  }

  /** Whether an event is a message from someone else that names us (a mention: highlight, bell). */
  mentionsUs(event: KaiwaEvent, self: boolean): boolean {
    return event.type === "chat" && !self && event.history !== true &&
      event.sender !== this.#options.name && mentions(event.text, this.#options.name);
  }

  /** Takes an event into account and returns the lines to print for it (maybe none). */
  eventLines(event: KaiwaEvent, self: boolean): string[] {
    const { style } = this.#options;
    switch (event.type) {
      case "chat": {
        const history = event.history === true;
        const action = parseAction(event.text);
        const line = formatChatLine(
          {
            time: event.time,
            sender: event.sender,
            text: action ?? event.text,
            self,
            history,
            action: action !== null,
            mention: this.mentionsUs(event, self),
            dated: formatDay(event.time, style.timeZone) !==
              formatDay(this.#options.clock(), style.timeZone),
          },
          style,
        );
        const header = this.#historyHeader;
        if (!history || header === null) return [...this.#dayLines(event.time), line];
        // The first History message after "you joined" (the room's recent past) or after a
        // rejoin (what we missed): headed as such.
        this.#historyHeader = null;
        return [
          ...this.notice(header, event.time),
          ...this.#dayLines(event.time),
          line,
        ];
      }
      case "members":
        this.#members = event.members.map((member) => ({ ...member }));
        this.#countKnown = true;
        return this.notice(this.#describeMembers(), event.time);
      case "joined":
        for (const name of event.names) {
          if (!this.#members.some((member) => member.name === name)) {
            this.#members.push({ name, host: false, you: false });
          }
        }
        break;
      case "left": {
        const gone = new Set(event.names);
        this.#members = this.#members.filter((member) => member.you || !gone.has(member.name));
        break;
      }
      case "pong":
        return [];
    }
    const text = formatTextNotice(event);
    return text === null ? [] : this.notice(text.slice(TEXT_NOTICE_PREFIX.length), event.time);
  }

  /** The notice for a session's end, or null when an event already said why. */
  endLines(end: SessionEnd, time: number): string[] {
    const message = endMessage(end, this.#options.silenceLimitMs);
    return message === null ? [] : this.notice(message, time);
  }

  /**
   * A dim notice line (the text is made terminal-safe), after a day-change line when the day is
   * not the one of the line before.
   */
  notice(text: string, time: number): string[] {
    return [...this.#dayLines(time), formatNotice(text, time, this.#options.style)];
  }

  /** The day-change line to print before a line of `time`, if its day is a new one. */
  #dayLines(time: number): string[] {
    const day = formatDay(time, this.#options.style.timeZone);
    const previous = this.#lastDay;
    this.#lastDay = day;
    return previous === null || previous === day
      ? []
      : [formatDayChange(time, this.#options.style)];
  }

  #describeMembers(): string {
    const names = this.#members.map((member) => {
      const marks = [member.host ? "host" : "", member.you ? "you" : ""].filter((mark) => mark);
      return marks.length === 0 ? member.name : `${member.name} (${marks.join(", ")})`;
    });
    const count = this.#members.length;
    return `${count} in ${this.#options.room}: ${names.join(", ")}`;
  }
}
