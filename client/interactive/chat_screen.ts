/**
 * The chat screen: events printed above the input line, keys edited into it, submitted lines
 * sent or run as commands, until the session ends. The terminal, the session and the room list
 * are interfaces, so a test drives it with fakes or with a real server.
 *
 * It stays a line-mode screen: lines go to the terminal's own scrollback, where the terminal's
 * search, selection and copy work as in a shell. PageUp opens the client's own scrollback (every
 * line shown, History included) on the alternate screen; PageDown back to the bottom closes it,
 * and the main screen comes back as it was, followed by what arrived meanwhile (counted in the
 * prompt while scrolled up).
 *
 * @module
 */

import type { KaiwaEvent, RoomList } from "../../protocol/mod.ts";
import { preview } from "../../util/mod.ts";
import { ClientError } from "../errors.ts";
import type { RejoinState, SayResult, SessionEnd } from "../session.ts";
import {
  ALTERNATE_SCREEN_OFF,
  ALTERNATE_SCREEN_ON,
  type Key,
  LineEditor,
  Screen,
} from "../tui/mod.ts";
import { ACTION_PREFIX } from "./action.ts";
import type { ChatView } from "./chat_view.ts";
import { HOST_QUIT_WARNING } from "./chat_view.ts";
import { COMMAND_NAMES, HELP_LINES, parseChatInput } from "./commands.ts";
import { complete, type Completion } from "./completion.ts";
import { describeRoomList } from "./room_list.ts";
import { Scrollback } from "./scrollback.ts";
import type { Terminal } from "./terminal.ts";

/** What the screen uses of a `ChatSession`. */
export interface ScreenSession {
  /** Runs until the session ends. */
  run(): Promise<SessionEnd>;
  /** Queues a chat message. */
  say(text: string): SayResult;
  /** Asks for the member list. */
  who(): void;
  /**
   * Leaves the room once what is queued is confirmed (by default however long it takes);
   * `leave(0)` meanwhile leaves at once.
   */
  leave(drainMs?: number): Promise<void>;
  /** The longest message in UTF-8 bytes. */
  readonly maxMessageBytes: number;
  /** Messages not confirmed yet. */
  readonly pending: number;
  /** Their texts, oldest first: after the end, what was not delivered. */
  readonly unconfirmed: readonly string[];
}

/** A room entered again after the server went away. */
export interface Reconnected {
  /** The session in it. */
  session: ScreenSession;
  /** True when the server had lost the room and we made it again: we are its host now. */
  created: boolean;
}

/** When the mention bell rings: only while the window is not in focus, or on every mention. */
export type BellPolicy = "unfocused" | "always";

/** What a chat screen is built from. */
export interface ChatScreenOptions {
  /** Where keys come from and lines go. */
  terminal: Terminal;
  /** The room's state and the lines events become. */
  view: ChatView;
  /** False for TERM=dumb: no cursor codes (and no scrollback page). */
  ansi: boolean;
  /** Milliseconds since the epoch, for the time of local notices. */
  clock: () => number;
  /** Lists the server's rooms, for `/rooms`. */
  listRooms: () => Promise<RoomList>;
  /** When a mention rings the bell (default: only while the window is not in focus). */
  bell?: BellPolicy;
  /**
   * Enters the room again after the server went away (a restart): resolves to the new session,
   * or to the error that made it give up (told; the screen then ends with the old session's
   * end), or to null when aborted: the user left meanwhile. Without it, the screen ends with
   * the session.
   */
  reconnect?: (signal: AbortSignal) => Promise<Reconnected | ClientError | null>;
}

/** How long the host's first /quit stays armed: a second /quit after it warns again. */
export const HOST_QUIT_CONFIRM_MS = 10_000;
const BELL = "\x07";
/** Endings after which the server may be back: a shutdown, a silence, a room found gone. */
const RECONNECTABLE: ReadonlySet<SessionEnd["kind"]> = new Set(["shutdown", "lost", "room-gone"]);

/** The chat screen. Feed it the session's events with {@link event} and {@link undelivered}. */
export class ChatScreen {
  readonly #options: ChatScreenOptions;
  readonly #editor = new LineEditor();
  readonly #screen: Screen;
  /** When the host's first quit was asked (its time), or null: the next one within a while leaves. */
  #quitArmedAt: number | null = null;
  #leaving = false;
  #session: ScreenSession | null = null;
  /** Started work (room listings) that must end before the screen does. */
  readonly #tasks = new Set<Promise<void>>();
  /** Every line printed, and the scrollback page over them. */
  readonly #scrollback = new Scrollback();
  #completion: Completion | null = null;
  /** Whether the window has the focus, as focus reports say (assumed until told otherwise). */
  #focused = true;
  /** Aborts a reconnection when the user leaves meanwhile. */
  #reconnecting: AbortController | null = null;
  /** While reconnecting: messages to send once back (not confirmed before, or typed since). */
  #held: string[] = [];
  /** The prompt as last taken from the view. */
  #prompt: string;
  /** Set once the screen has ended: nothing more is drawn. */
  #done = false;

  /** Prepares the screen; nothing is written until {@link run}. */
  constructor(options: ChatScreenOptions) {
    this.#options = options;
    this.#prompt = options.view.prompt();
    this.#screen = new Screen({
      prompt: this.#prompt,
      width: options.terminal.columns(),
      ansi: options.ansi,
    });
  }

  /** The input line's editor (the text being typed). */
  get editor(): LineEditor {
    return this.#editor;
  }

  /**
   * Runs `session` and the input until the session ends, and returns how it ended. When the
   * server goes away and `reconnect` brings a new session, that one runs on. Whatever happens,
   * the session is left and the input line is cleared before this returns or throws.
   */
  async run(session: ScreenSession): Promise<SessionEnd> {
    const { terminal, view, clock } = this.#options;
    this.#session = session;
    const removeResize = terminal.onResize(() => this.#resize());
    terminal.write(this.#screen.begin(this.#editor));
    this.#print(view.welcome(clock()));
    let end: SessionEnd | null = null;
    let failure: { error: unknown } | null = null;
    // Keys are read on their own loop, so the screen does not wait for a key to notice the end.
    this.#readKeys(() => end !== null).catch((error) => {
      failure = { error };
      this.#leave();
    });
    try {
      end = await this.#runSessions(session);
    } finally {
      await Promise.all(this.#tasks);
      this.#closePage();
      this.#done = true;
      const last = this.#session!;
      if (end !== null) {
        this.#print(view.endLines(end, clock()));
        this.#print(
          last.unconfirmed.flatMap((text) =>
            view.notice(`not delivered: ${preview(text)}`, clock())
          ),
        );
      }
      terminal.write(this.#screen.end());
      removeResize();
      await terminal.flush();
    }
    if (failure !== null) throw (failure as { error: unknown }).error;
    return end;
  }

  /**
   * Runs the session, and the ones reconnection brings after a server restart. What the old
   * session had not confirmed, and what is typed while reconnecting, is sent by the new one.
   */
  async #runSessions(first: ScreenSession): Promise<SessionEnd> {
    let session = first;
    for (;;) {
      const end = await session.run();
      const reconnect = this.#options.reconnect;
      if (reconnect === undefined || this.#leaving || !RECONNECTABLE.has(end.kind)) return end;
      this.#held = [...session.unconfirmed];
      this.#options.view.restart();
      this.#reconnecting = new AbortController();
      this.#notice(`the server went away; reconnecting to ${this.#options.view.room}…`);
      const next = await reconnect(this.#reconnecting.signal);
      this.#reconnecting = null;
      const held = this.#held;
      this.#held = [];
      if (next instanceof ClientError && !this.#leaving) {
        // Else the last line would still say it is reconnecting, as the program ends.
        this.#notice(`gave up reconnecting to ${this.#options.view.room}: ${next.message}`);
      }
      if (next === null || next instanceof ClientError || this.#leaving) {
        // The old session's own are listed at the end (run()); those typed since, here.
        for (const text of held.slice(session.unconfirmed.length)) this.undelivered(text);
        return this.#leaving ? { kind: "left" } : end;
      }
      // Said, as a rejoin says it: else "reconnecting…" stays the last word on the matter, and
      // a member who made the room again would not know that leaving now closes it.
      const room = this.#options.view.room;
      this.#notice(
        next.created
          ? `back in ${room}, which the server had lost: you made it again and are its host`
          : `back in ${room}`,
      );
      session = next.session;
      this.#session = session;
      for (const text of held) session.say(text);
    }
  }

  /** Handles keys until the session has ended; the end of input (or a stop signal) leaves. */
  async #readKeys(hasEnded: () => boolean): Promise<void> {
    for (;;) {
      const key = await this.#options.terminal.readKey();
      if (hasEnded()) return;
      if (key === null) return this.#leave();
      this.#key(key);
    }
  }

  /** Shows an event from the session; a mention rings the bell when the policy says so. */
  event(event: KaiwaEvent, self: boolean): void {
    const { view, terminal, bell } = this.#options;
    const mention = view.mentionsUs(event, self);
    this.#print(view.eventLines(event, self));
    if (mention && (bell === "always" || !this.#focused)) terminal.write(BELL);
  }

  /** Brings the prompt's "sending" count up to date: the server confirmed one of ours. */
  confirmed(): void {
    if (!this.#done) this.#redraw();
  }

  /** Tells the user that the connection was lost and is being rejoined, or is back. */
  rejoin(state: RejoinState): void {
    if (state === "rejoining") this.#options.view.rejoining();
    this.#notice(
      state === "back" ? `back in ${this.#options.view.room}` : "connection lost; rejoining…",
    );
  }

  /** Tells the user something the client noticed itself, as a notice line above the input. */
  notice(text: string): void {
    this.#notice(text);
  }

  /** Tells the user that a message could not be delivered. */
  undelivered(text: string): void {
    this.#notice(`the server did not confirm this message, not delivered: ${preview(text)}`);
  }

  #key(key: Key): void {
    if (key.type !== "tab") this.#completion = null;
    switch (key.type) {
      case "tab":
        return this.#complete();
      case "page-up":
        return this.#scroll(+1);
      case "page-down":
        return this.#scroll(-1);
      case "focus-in":
      case "focus-out":
        this.#focused = key.type === "focus-in";
        return;
    }
    const result = this.#editor.apply(key);
    switch (result.type) {
      case "changed":
        return this.#redraw();
      case "redraw":
        if (this.#scrollback.isOpen) return this.#drawPage();
        return this.#options.terminal.write(this.#screen.clearScreen(this.#editor));
      case "submitted":
        this.#closePage();
        return this.#submit(result.text);
      case "interrupt":
      case "eof":
        return this.#quit();
    }
  }

  #complete(): void {
    const graphemes = this.#editor.graphemes;
    const cursor = this.#editor.cursor;
    const names = this.#options.view.members.filter((member) => !member.you).map((member) =>
      member.name
    );
    const completion = complete(
      {
        before: graphemes.slice(0, cursor).join(""),
        after: graphemes.slice(cursor).join(""),
      },
      names,
      COMMAND_NAMES,
      this.#completion,
    );
    if (completion === null) return;
    this.#completion = completion;
    this.#editor.setLine(completion.before, completion.after);
    this.#redraw();
  }

  #submit(line: string): void {
    const input = parseChatInput(line);
    const session = this.#session!;
    switch (input.type) {
      case "say":
        // A line of only spaces says nothing: it is not sent.
        if (input.text.trim() === "") return this.#redraw();
        return this.#say(session, input.text, line);
      case "action":
        if (input.text === "") return this.#notice("/me needs an action, e.g. /me waves");
        return this.#say(session, ACTION_PREFIX + input.text, line);
      case "quit":
        return this.#quit();
      case "who":
        session.who();
        return this.#redraw();
      case "rooms":
        this.#redraw();
        return this.#listRooms();
      case "help":
        return this.#print(
          HELP_LINES.flatMap((text) => this.#options.view.notice(text, this.#now())),
        );
      case "unknown":
        return this.#notice(`unknown command ${input.name}: /help lists the commands`);
    }
  }

  /** Queues a message; the prompt counts it as sending until the server's echo confirms it. */
  #say(session: ScreenSession, text: string, line: string): void {
    if (this.#reconnecting !== null) {
      this.#held.push(text);
      return this.#redraw();
    }
    if (session.say(text) === "too-long") {
      this.#editor.setText(line);
      return this.#notice(`message too long: ${session.maxMessageBytes} bytes max, not sent`);
    }
    // Our message is printed when the server echoes it: that is its confirmation.
    this.#redraw();
  }

  /**
   * The host is warned first, unless alone in the room; a second quit within
   * {@link HOST_QUIT_CONFIRM_MS} leaves. Anyone else leaves at once.
   */
  #quit(): void {
    const { view } = this.#options;
    const now = this.#now();
    const armed = this.#quitArmedAt !== null && now - this.#quitArmedAt <= HOST_QUIT_CONFIRM_MS;
    if (view.isHost && view.members.length > 1 && !armed) {
      this.#quitArmedAt = now;
      return this.#notice(HOST_QUIT_WARNING);
    }
    this.#leave();
  }

  /**
   * Leaves once what is queued is confirmed (paced by the server's flood limit), saying so while
   * it waits; asked again meanwhile, leaves at once.
   */
  #leave(): void {
    if (this.#session === null) return;
    this.#reconnecting?.abort();
    if (this.#leaving) {
      this.#session.leave(0);
      return;
    }
    this.#leaving = true;
    const pending = this.#session.pending;
    if (pending > 0) {
      const what = pending === 1 ? "1 message" : `${pending} messages`;
      this.#notice(`sending ${what} still queued before leaving; /quit again to leave now`);
    }
    this.#session.leave();
  }

  #listRooms(): void {
    const { listRooms, view } = this.#options;
    const task = listRooms().then(
      (list) =>
        this.#print(describeRoomList(list).flatMap((text) => view.notice(text, this.#now()))),
      (error) => this.#notice(error instanceof ClientError ? error.message : String(error)),
    ).finally(() => this.#tasks.delete(task));
    this.#tasks.add(task);
  }

  /** Scrolls the page up (+1) or down (-1) by a page; down past the bottom closes it. */
  #scroll(direction: 1 | -1): void {
    if (!this.#options.ansi) return;
    switch (this.#scrollback.scroll(direction, this.#pageHeight())) {
      case "opened":
        this.#options.terminal.write(ALTERNATE_SCREEN_ON);
        return this.#drawPage();
      case "moved":
        return this.#drawPage();
      case "closed":
        return this.#closePage();
    }
  }

  /** Closes the scrollback page: the main screen comes back, then what arrived meanwhile. */
  #closePage(): void {
    const unread = this.#scrollback.close();
    if (unread === null) return;
    this.#options.terminal.write(ALTERNATE_SCREEN_OFF);
    this.#refreshPrompt();
    this.#print(unread, false);
    this.#redraw();
  }

  #drawPage(): void {
    const { terminal } = this.#options;
    const page = this.#scrollback.page(this.#screen.width, this.#pageHeight());
    this.#refreshPrompt();
    terminal.write(this.#screen.drawPage(page.rows, terminal.rows(), this.#editor));
  }

  /** Rows of scrollback on a page: all but the input line. */
  #pageHeight(): number {
    return Math.max(1, this.#options.terminal.rows() - 1);
  }

  #resize(): void {
    if (this.#scrollback.isOpen) {
      this.#screen.resize(this.#options.terminal.columns(), this.#editor);
      return this.#drawPage();
    }
    this.#options.terminal.write(
      this.#screen.resize(this.#options.terminal.columns(), this.#editor),
    );
  }

  #redraw(): void {
    this.#refreshPrompt();
    this.#options.terminal.write(this.#screen.redrawInput(this.#editor));
  }

  /** Takes the prompt the view gives now (members, unread lines, messages being sent). */
  #refreshPrompt(): void {
    const unread = this.#scrollback.unread;
    const sending = this.#reconnecting !== null ? this.#held.length : this.#session?.pending ?? 0;
    const prompt = this.#options.view.prompt(unread, sending);
    if (prompt === this.#prompt) return;
    this.#prompt = prompt;
    this.#screen.setPrompt(prompt);
  }

  #notice(text: string): void {
    this.#print(this.#options.view.notice(text, this.#now()));
  }

  /** Prints lines above the input (or keeps them for later while the page is open). */
  #print(lines: readonly string[], remember = true): void {
    if (lines.length === 0) return;
    if (remember) this.#scrollback.add(lines);
    if (this.#scrollback.isOpen) {
      this.#refreshPrompt();
      return this.#options.terminal.write(this.#screen.redrawInput(this.#editor));
    }
    this.#refreshPrompt();
    this.#options.terminal.write(this.#screen.printAbove(lines, this.#editor));
  }

  #now(): number {
    return this.#options.clock();
  }
}
