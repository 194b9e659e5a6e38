/**
 * One page's WebSocket as a kaiwa client: its requests become the TCRP requests and datagrams a
 * terminal client would send, fed to the same code (`answerRoomRequest`, `ServerState.receive`),
 * and the kaiwa events the state sends its member come back as JSON. A browser member is thus a
 * kaiwa member like any other: names, passwords, flood control, the per-IP request rate and
 * member caps, room full, timeouts and history all apply unchanged, with the browser's own IP.
 *
 * A WebSocket that ends without a leave does not end its member: it is held for the grace of
 * {@link BrowserMembers}, and a page that joins with its token (`resume`, §2.5) speaks for it again.
 *
 * @module
 */

import {
  Command,
  decodeRoomList,
  decodeTcrpFrame,
  encodeClientDatagram,
  encodeCommand,
  encodeRoomRequest,
  encodeUtf8,
  maxMessageSize,
  Operation,
  State,
  Status,
  type TcrpFrame,
} from "../../protocol/mod.ts";
import type { Member } from "../state/mod.ts";
import type { BrowserMembers } from "./browser_members.ts";
import { answerRoomRequest, logRefusal, type SessionContext } from "../tcp/mod.ts";
import {
  BadRequestError,
  type BrowserRequest,
  parseBrowserRequest,
  refusalToJson,
  RESUMED_ELSEWHERE,
  type ServerMessage,
} from "./json_mapping.ts";
import { WEB_VIA, type WebRoutes } from "./routes.ts";

/** The one-byte commands a page sends by name. */
const COMMAND_OF = {
  who: new Uint8Array([Command.Who]),
  ping: new Uint8Array([Command.Ping]),
  leave: new Uint8Array([Command.Leave]),
} as const;
const KEEPALIVE = new Uint8Array(0);
const EMPTY = new Uint8Array(0);
/** The answer to a create or join once the server is shutting down (docs/protocol.md §9.2). */
const SHUTTING_DOWN: ServerMessage = { type: "error", text: "the server is shutting down" };

/** What a session writes to: its WebSocket. */
export interface MessageSink {
  /** True until the WebSocket ended. */
  readonly open: boolean;
  /** Sends one text message. */
  sendText(text: string): void;
}

/** A member's place in the web side while it is in a room. */
interface Seat {
  readonly member: Member;
  /** Its address port in {@link WebRoutes}. */
  readonly port: number;
  /** The room name's bytes and the token's, for the datagrams made on its behalf. */
  readonly roomName: Uint8Array;
  readonly token: Uint8Array;
}

/** One page's session, from its WebSocket's opening to its end. */
export class BrowserSession {
  readonly #sink: MessageSink;
  readonly #ip: string;
  readonly #ctx: SessionContext;
  readonly #routes: WebRoutes;
  readonly #members: BrowserMembers<Member, BrowserSession>;
  readonly #admitting: () => boolean;
  #seat: Seat | null = null;
  /** True while a create, join or list is being answered: one at a time. */
  #asking = false;

  /**
   * A session for the page at `ip`, speaking through `sink`; `members` is shared by all.
   * `admitting` is false once the server is shutting down: no page enters a room then.
   */
  constructor(
    sink: MessageSink,
    ip: string,
    ctx: SessionContext,
    routes: WebRoutes,
    members: BrowserMembers<Member, BrowserSession>,
    admitting: () => boolean,
  ) {
    this.#sink = sink;
    this.#ip = ip;
    this.#ctx = ctx;
    this.#routes = routes;
    this.#members = members;
    this.#admitting = admitting;
  }

  /** Handles one text message of the page; never throws. */
  receive(text: string): void {
    let request: BrowserRequest;
    try {
      request = parseBrowserRequest(text);
    } catch (error) {
      if (!(error instanceof BadRequestError)) throw error;
      return this.#send({ type: "error", text: error.message });
    }
    switch (request.type) {
      case "rooms":
      case "create":
      case "join":
        void this.#ask(request);
        return;
      case "say":
        return this.#say(request.text);
      case "ping":
        if (this.#inRoom() === null) return this.#send({ type: "pong", time: this.#ctx.now() });
        return this.#command(COMMAND_OF.ping);
      case "who":
      case "leave":
        return this.#command(COMMAND_OF[request.type]);
    }
  }

  /**
   * The WebSocket ended: a member still in its room is held there for the grace (a page that
   * leaves says so first), then times out unless a page resumed it.
   */
  closed(): void {
    const seat = this.#seat;
    if (seat === null) return;
    if (seat.member.active) this.#members.hold(seat.member, this, this.#ctx.now());
    this.#release();
  }

  /**
   * This session's member was resumed with its token by someone else (another page, a duplicated
   * tab; a kaiwa client over TCP): it is theirs now, and this page is told, so that its user does
   * not go on typing into a member whose messages the state now drops (they come from an address
   * the member left).
   */
  displaced(): void {
    if (this.#seat === null) return;
    this.#release();
    this.#send({ type: "removed", time: this.#ctx.now(), reason: RESUMED_ELSEWHERE });
  }

  /** A create, join or room list, answered as a TCRP request from this IP is. */
  async #ask(request: BrowserRequest & { type: "rooms" | "create" | "join" }): Promise<void> {
    if (this.#asking) return this.#send({ type: "error", text: "one request at a time" });
    if (request.type !== "rooms" && this.#inRoom() !== null) {
      return this.#send({ type: "error", text: "leave this room first" });
    }
    if (request.type !== "rooms" && !this.#admitting()) return this.#send(SHUTTING_DOWN);
    this.#asking = true;
    try {
      const frame = requestFrame(request);
      const answer = await answerRoomRequest(frame, this.#ip, this.#ctx, () => this.#sink.open);
      if (answer.status !== Status.Ok) {
        logRefusal(
          this.#ctx,
          this.#ip,
          answer.status,
          `refused a web ${request.type} from ${this.#ip}: status ${answer.status}`,
        );
        return this.#send(refusalToJson(answer.status));
      }
      if (answer.list !== undefined) {
        const list = decodeRoomList(decodeTcrpFrame(answer.list));
        return this.#send({ type: "rooms", rooms: list.rooms, truncated: list.truncated });
      }
      if (answer.member !== undefined) {
        this.#enter(answer.member, frame.roomName, answer.resumed === true);
      }
      if (answer.remote !== undefined) {
        // A browser member's events are routed on the node holding its room (docs/cluster.md).
        answer.remote.withdraw();
        this.#send({ type: "error", text: "this room is held by another node; join it there" });
      }
    } catch (error) {
      // The page went away while its password waited to be hashed: nothing to answer.
      if (this.#sink.open) this.#ctx.faults.report(`a web request from ${this.#ip}`, error);
    } finally {
      this.#asking = false;
    }
  }

  /** The member was admitted: route its events here, and prove its address as a datagram does. */
  #enter(member: Member, roomName: Uint8Array, resumed: boolean): void {
    const shuttingDown = !this.#admitting();
    if (!this.#sink.open || shuttingDown) {
      // Gone while it was admitted, or the server began shutting down meanwhile (the TCP port
      // closed the connections of requests still being answered): as a TCP client whose token
      // could not be written. A resumed member was in the room before: it stays, held as if this
      // page had spoken for it and gone (a page that spoke for it until the resume was let go
      // then); a shutdown makes the held members leave.
      if (!resumed) this.#ctx.state.withdraw(member, this.#ctx.now());
      else if (this.#members.pageOf(member) === undefined) {
        this.#members.seat(member, this);
        this.#members.hold(member, this, this.#ctx.now());
      }
      if (shuttingDown && this.#sink.open) this.#send(SHUTTING_DOWN);
      return;
    }
    const port = this.#routes.open((json) => this.#sink.sendText(json));
    const seat: Seat = { member, port, roomName, token: encodeUtf8(member.token) };
    this.#seat = seat;
    this.#members.seat(member, this);
    this.#send({
      type: "entered",
      room: member.room.name,
      name: member.name,
      host: member.isHost,
      // The chat command byte comes out of what the datagram leaves for the message.
      maxText: maxMessageSize(roomName.length, seat.token.length) - 1,
      token: member.token,
      resumed,
    });
    // Binds the member (member list, then history), as a kaiwa client's first datagram does.
    this.#datagram(seat, KEEPALIVE);
  }

  #say(text: string): void {
    const seat = this.#inRoom();
    if (seat === null) return this.#send({ type: "error", text: "not in a room" });
    const bytes = encodeUtf8(text);
    const room = maxMessageSize(seat.roomName.length, seat.token.length) - 1;
    if (bytes.length > room) {
      return this.#send({
        type: "error",
        text: `message of ${bytes.length} bytes is over the limit of ${room}`,
      });
    }
    if (bytes.length === 0) return;
    this.#datagram(seat, encodeCommand({ type: "chat", text }));
  }

  #command(command: Uint8Array): void {
    const seat = this.#inRoom();
    if (seat === null) return this.#send({ type: "error", text: "not in a room" });
    this.#datagram(seat, command);
  }

  /** The seat, while its member is in its room; a seat whose member is gone is let go. */
  #inRoom(): Seat | null {
    if (this.#seat !== null && !this.#seat.member.active) this.#release();
    return this.#seat;
  }

  #release(): void {
    if (this.#seat === null) return;
    this.#routes.close(this.#seat.port);
    this.#members.unseat(this.#seat.member, this);
    this.#seat = null;
  }

  /** Feeds the state the datagram the member's kaiwa client would send, from its address. */
  #datagram(seat: Seat, message: Uint8Array): void {
    const bytes = encodeClientDatagram(seat.roomName, seat.token, message);
    this.#ctx.state.receive(bytes, this.#ip, seat.port, this.#ctx.now(), WEB_VIA);
  }

  #send(message: ServerMessage): void {
    this.#sink.sendText(JSON.stringify(message));
  }
}

/** The TCRP request frame a terminal client would send for `request`. */
function requestFrame(request: BrowserRequest & { type: "rooms" | "create" | "join" }): TcrpFrame {
  if (request.type === "rooms") {
    return {
      operation: Operation.ListRooms,
      state: State.Request,
      roomName: EMPTY,
      payload: EMPTY,
    };
  }
  return {
    operation: request.type === "create" ? Operation.CreateRoom : Operation.JoinRoom,
    state: State.Request,
    roomName: encodeUtf8(request.room),
    payload: encodeRoomRequest({
      username: request.name,
      password: request.password,
      eventFormat: 1,
      ...(request.type === "join" && request.resume !== undefined
        ? { resume: request.resume }
        : {}),
    }),
  };
}
