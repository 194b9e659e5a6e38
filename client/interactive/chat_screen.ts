/**
 * The chat screen: events printed above the input line, keys edited into it, submitted lines
 * sent or run as commands, until the session ends. The terminal, the session and the room list
 * are interfaces, so a test drives it with fakes or with a real server.
 *
 * @module
 */

import type { KaiwaEvent, RoomList } from "../../protocol/mod.ts";
import { preview } from "../../util/mod.ts";
import { ClientError } from "../errors.ts";
import type { RejoinState, SayResult, SessionEnd } from "../session.ts";
import { type Key, LineEditor, Screen } from "../tui/mod.ts";
import type { ChatView } from "./chat_view.ts";
import { HOST_QUIT_WARNING } from "./chat_view.ts";
import { HELP_LINES, parseChatInput } from "./commands.ts";
import { describeRoomList } from "./room_list.ts";
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

/** What a chat screen is built from. */
export interface ChatScreenOptions {
  /** Where keys come from and lines go. */
  terminal: Terminal;
  /** The room's state and the lines events become. */
  view: ChatView;
  /** False for TERM=dumb: no cursor codes. */
  ansi: boolean;
  /** Milliseconds since the epoch, for the time of local notices. */
  clock: () => number;
  /** Lists the server's rooms, for `/rooms`. */
  listRooms: () => Promise<RoomList>;
}

/** The chat screen. Feed it the session's events with {@link event} and {@link undelivered}. */
export class ChatScreen {
  readonly #options: ChatScreenOptions;
  readonly #editor = new LineEditor();
  readonly #screen: Screen;
  /** Set by a host's first quit: the next one leaves. */
  #quitConfirmed = false;
  #leaving = false;
  #session: ScreenSession | null = null;
  /** Started work (room listings) that must end before the screen does. */
  readonly #tasks = new Set<Promise<void>>();

  /** Prepares the screen; nothing is written until {@link run}. */
  constructor(options: ChatScreenOptions) {
    this.#options = options;
    this.#screen = new Screen({
      prompt: options.view.prompt,
      width: options.terminal.columns(),
      ansi: options.ansi,
    });
  }

  /** The input line's editor (the text being typed). */
  get editor(): LineEditor {
    return this.#editor;
  }

  /**
   * Runs `session` and the input until the session ends, and returns how it ended. Whatever
   * happens, the session is left and the input line is cleared before this returns or throws.
   */
  async run(session: ScreenSession): Promise<SessionEnd> {
    const { terminal, view, clock } = this.#options;
    this.#session = session;
    const removeResize = terminal.onResize(() => this.#resize());
    terminal.write(this.#screen.begin(this.#editor));
    this.#print([view.welcome(clock())]);
    let end: SessionEnd | null = null;
    let failure: { error: unknown } | null = null;
    const running = session.run();
    // Keys are read on their own loop, so the screen does not wait for a key to notice the end.
    this.#readKeys(() => end !== null).catch((error) => {
      failure = { error };
      this.#leave();
    });
    try {
      end = await running;
    } finally {
      await Promise.all(this.#tasks);
      if (end !== null) {
        this.#print(view.endLines(end, clock()));
        this.#print(
          session.unconfirmed.map((text) =>
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

  /** Handles keys until the session has ended; the end of input (or a stop signal) leaves. */
  async #readKeys(hasEnded: () => boolean): Promise<void> {
    for (;;) {
      const key = await this.#options.terminal.readKey();
      if (hasEnded()) return;
      if (key === null) return this.#leave();
      this.#key(key);
    }
  }

  /** Shows an event from the session. */
  event(event: KaiwaEvent, self: boolean): void {
    this.#print(this.#options.view.eventLines(event, self));
  }

  /** Tells the user that the connection was lost and is being rejoined, or is back. */
  rejoin(state: RejoinState): void {
    this.#notice(
      state === "back" ? `back in ${this.#options.view.room}` : "connection lost; rejoining…",
    );
  }

  /** Tells the user that a message could not be delivered. */
  undelivered(text: string): void {
    this.#notice(`the server did not confirm this message, not delivered: ${preview(text)}`);
  }

  #key(key: Key): void {
    const result = this.#editor.apply(key);
    switch (result.type) {
      case "changed":
        return this.#redraw();
      case "redraw":
        return this.#options.terminal.write(this.#screen.clearScreen(this.#editor));
      case "submitted":
        return this.#submit(result.text);
      case "interrupt":
      case "eof":
        return this.#quit();
    }
  }

  #submit(line: string): void {
    const input = parseChatInput(line);
    const session = this.#session!;
    switch (input.type) {
      case "say": {
        if (session.say(input.text) === "too-long") {
          this.#editor.setText(line);
          return this.#notice(`message too long: ${session.maxMessageBytes} bytes max, not sent`);
        }
        // Our message is printed when the server echoes it: that is its confirmation.
        return this.#redraw();
      }
      case "quit":
        return this.#quit();
      case "who":
        session.who();
        return this.#redraw();
      case "rooms":
        this.#redraw();
        return this.#listRooms();
      case "help":
        return this.#print(HELP_LINES.map((text) => this.#options.view.notice(text, this.#now())));
      case "unknown":
        return this.#notice(`unknown command ${input.name}: /help lists the commands`);
    }
  }

  /** The host is warned once; anyone else, or a warned host, leaves. */
  #quit(): void {
    if (this.#options.view.isHost && !this.#quitConfirmed) {
      this.#quitConfirmed = true;
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
      (list) => this.#print(describeRoomList(list).map((text) => view.notice(text, this.#now()))),
      (error) => this.#notice(error instanceof ClientError ? error.message : String(error)),
    ).finally(() => this.#tasks.delete(task));
    this.#tasks.add(task);
  }

  #resize(): void {
    this.#options.terminal.write(
      this.#screen.resize(this.#options.terminal.columns(), this.#editor),
    );
  }

  #redraw(): void {
    this.#options.terminal.write(this.#screen.redrawInput(this.#editor));
  }

  #notice(text: string): void {
    this.#print([this.#options.view.notice(text, this.#now())]);
  }

  #print(lines: readonly string[]): void {
    if (lines.length === 0) return;
    this.#options.terminal.write(this.#screen.printAbove(lines, this.#editor));
  }

  #now(): number {
    return this.#options.clock();
  }
}
