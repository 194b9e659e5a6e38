/**
 * From the command line to a room entered, asking what is missing: the menu when there is no
 * room, the room, the name, and the password typed without echo, with a few more tries when a
 * room turns out to need one. The dialogue goes through a {@link Prompter} and the server through
 * injected functions, so every path is tested without a terminal or a network.
 *
 * @module
 */

import { type RoomList, Status } from "../../protocol/mod.ts";
import type { EntryRequest, RoomEntry } from "../enter_room.ts";
import { ClientError, refusalError } from "../errors.ts";
import type { JoinOptions, PasswordSource } from "../options.ts";
import { readPasswordFromEnv } from "../password_source.ts";
import {
  checkName,
  MENU_HELP,
  MENU_HINTS,
  MENU_LINES,
  MENU_PROMPT,
  parseMenuChoice,
} from "./menu.ts";
import type { Prompter } from "./prompter.ts";
import { describeRoomList } from "./room_list.ts";

/** What the entry flow needs from the outside. */
export interface EntryFlowDeps {
  /** Talks to the user. */
  prompter: Prompter;
  /** Creates or joins a room (`enterRoom` against the server). */
  enter(request: EntryRequest): Promise<RoomEntry>;
  /** Lists the server's rooms (`listRooms` against the server). */
  list(): Promise<RoomList>;
}

/** A room entered, and the request that entered it. */
export interface Entered {
  /** The token and the socket. */
  entry: RoomEntry;
  /** Room, name, password, create: as finally sent. */
  request: EntryRequest;
}

/** How many passwords the user may type for one room before the refusal stands. */
export const MAX_PASSWORD_TRIES = 3;

const ROOM_PROMPT = "room: ";
const NAME_PROMPT = "name: ";
const PASSWORD_PROMPT = "password: ";
const NEW_PASSWORD_PROMPT = "password (empty for none): ";

/** The user gave up at a question. */
const CANCELLED = Symbol("cancelled");

/**
 * Enters the room the options name, asking for whatever is missing. Resolves to null when the
 * user quits instead (menu "quit", Ctrl-C or Ctrl-D at a question).
 *
 * @throws {ClientError} when the server is unreachable, or refuses a room given on the command line.
 */
export async function chooseAndEnter(
  options: JoinOptions,
  deps: EntryFlowDeps,
): Promise<Entered | null> {
  if (options.room === null) return await menuLoop(options, deps);
  const asking = options.name === null;
  // Before asking a name, make sure the server is there and the room can be entered.
  if (asking) {
    const list = await deps.list();
    if (roomProblem(list, options.room, options.create) !== null) {
      throw refusalError(
        options.create ? Status.RoomExists : Status.RoomNotFound,
        options.room,
        "",
      );
    }
  }
  const name = options.name ?? await askName(deps.prompter, NAME_PROMPT, "username");
  if (name === CANCELLED) return null;
  return await enterWithPassword(
    options.password,
    {
      room: options.room,
      name,
      password: null,
      create: options.create,
    },
    asking,
    deps,
  );
}

/**
 * The menu, again after each refusal, until a room is entered or the user quits. The server is
 * asked for its rooms first, so that one that is not there fails before any question; a room
 * that does not exist (or exists, for create) is said before the name is asked; after a refusal
 * the room typed last is the default answer, so it need not be typed again.
 */
async function menuLoop(options: JoinOptions, deps: EntryFlowDeps): Promise<Entered | null> {
  const { prompter } = deps;
  await deps.list();
  let lastRoom: string | null = null;
  for (;;) {
    for (const line of MENU_LINES) prompter.say(line);
    const answer = await prompter.ask(MENU_PROMPT);
    if (answer === null) return null;
    const choice = parseMenuChoice(answer);
    if (choice === null) {
      prompter.say(MENU_HELP);
      continue;
    }
    if (choice === "quit") return null;
    if (choice === "list") {
      for (const line of describeRoomList(await deps.list())) prompter.say(line);
      continue;
    }
    const create = choice === "create";
    const room = await askName(prompter, ROOM_PROMPT, "room name", lastRoom);
    if (room === CANCELLED) return null;
    lastRoom = room;
    const problem = roomProblem(await deps.list(), room, create);
    if (problem !== null) {
      prompter.say(`kaiwa: ${problem}`);
      continue;
    }
    const name = options.name ?? await askName(prompter, NAME_PROMPT, "username");
    if (name === CANCELLED) return null;
    const request = { room, name, password: null, create };
    try {
      return await enterWithPassword(options.password, request, true, deps);
    } catch (error) {
      // A refusal is a wrong answer to one of the questions: say so and offer the menu again.
      if (!(error instanceof ClientError) || error.reason === "unreachable") throw error;
      prompter.say(`kaiwa: ${error.withHint(MENU_HINTS[error.reason])}`);
    }
  }
}

/**
 * Why entering `room` will be refused, as far as the room list tells (a truncated list cannot
 * tell that a room is missing), or null.
 */
function roomProblem(list: RoomList, room: string, create: boolean): string | null {
  const exists = list.rooms.some((entry) => entry.name === room);
  if (create && exists) return `Room "${room}" already exists; ${MENU_HINTS.roomExists}`;
  if (!create && !exists && !list.truncated) {
    return `Room "${room}" does not exist; ${MENU_HINTS.roomNotFound}`;
  }
  return null;
}

/**
 * Asks until the answer is a valid name, or the user gives up; with a `fallback`, the question
 * shows it and an empty answer takes it.
 */
async function askName(
  prompter: Prompter,
  prompt: string,
  what: string,
  fallback: string | null = null,
): Promise<string | typeof CANCELLED> {
  const question = fallback === null ? prompt : prompt.replace(/: $/, ` [${fallback}]: `);
  for (;;) {
    const answer = await prompter.ask(question);
    if (answer === null) return CANCELLED;
    if (fallback !== null && answer.trim() === "") return fallback;
    const check = checkName(answer, what);
    if (check.ok) return check.name;
    prompter.say(check.message);
  }
}

/**
 * Enters with the password from its source; a join refused for its password is retried with
 * typed passwords, unless the password came from an environment variable (a script's setting,
 * which typing cannot fix). Giving up at a retry's question (Ctrl-C) lets the refusal stand, as
 * running out of tries does: the join failed, it is not a normal end.
 *
 * @throws {ClientError} the refusal, when the user gives up retrying or the tries run out.
 */
async function enterWithPassword(
  source: PasswordSource,
  request: EntryRequest,
  asking: boolean,
  deps: EntryFlowDeps,
): Promise<Entered | null> {
  const { prompter } = deps;
  const typedFirst = source.kind === "prompt" || source.kind === "stdin" ||
    (source.kind === "none" && asking && request.create);
  let password: string | null;
  if (typedFirst) {
    const answer = await prompter.ask(request.create ? NEW_PASSWORD_PROMPT : PASSWORD_PROMPT, true);
    if (answer === null) return null;
    password = answer === "" ? null : answer;
  } else {
    password = source.kind === "env" ? readPasswordFromEnv(source.variable) : null;
  }
  let typed = typedFirst ? 1 : 0;
  for (;;) {
    const attempt = { ...request, password };
    let refusal: unknown;
    try {
      return { entry: await deps.enter(attempt), request: attempt };
    } catch (error) {
      const retry = error instanceof ClientError && error.reason === "wrongPassword" &&
        !request.create && source.kind !== "env" && typed < MAX_PASSWORD_TRIES;
      if (!retry) throw error;
      refusal = error;
    }
    prompter.say(
      typed === 0 ? `room "${request.room}" needs a password` : "wrong password, try again",
    );
    const answer = await prompter.ask(PASSWORD_PROMPT, true);
    if (answer === null) throw refusal;
    typed++;
    password = answer === "" ? null : answer;
  }
}
