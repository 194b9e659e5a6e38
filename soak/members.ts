/**
 * The soak's chatting members: one UDP socket each, half kaiwa and half standard, sending
 * numbered messages and counting what reaches them, so that loss can be told from delay.
 *
 * @module
 */

import {
  Command,
  decodeEvent,
  encodeClientDatagram,
  MAX_EVENT_SIZE,
  Operation,
} from "../protocol/mod.ts";
import { requestRoom } from "../client/mod.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
/** "m12: 7" as a standard member gets it; the kaiwa event carries the same sender and text. */
const CHAT_TEXT = /^m(\d+): (\d+)$/;
const SHUTDOWN_TEXT = "* the server is shutting down";

/** One member of a soak room. */
export class SoakMember {
  readonly index: number;
  readonly room: string;
  readonly kaiwa: boolean;
  readonly socket: Deno.DatagramConn;
  #datagramHead: Uint8Array = new Uint8Array(0);
  #server: Deno.NetAddr | null = null;
  /** Messages sent. */
  sent = 0;
  /** Chat messages received from the room (the kaiwa echo of our own included). */
  received = 0;
  /** Messages that came out of order or twice. */
  disorder = 0;
  /** True once the shutdown notice arrived. */
  toldShutdown = false;
  readonly #last = new Map<number, number>();
  #loop: Promise<void> | null = null;

  /** Binds the member's socket. */
  constructor(index: number, room: string) {
    this.index = index;
    this.room = room;
    this.kaiwa = index % 2 === 0;
    this.socket = Deno.listenDatagram({ hostname: "127.0.0.1", port: 0, transport: "udp" });
  }

  /** Creates or joins the room over TCP, announcing the socket's port. */
  async enter(port: number, create: boolean): Promise<void> {
    const operation = create ? Operation.CreateRoom : Operation.JoinRoom;
    const request = { username: `m${this.index}`, password: null, eventFormat: this.kaiwa ? 1 : 0 };
    const ticket = await requestRoom({ host: "127.0.0.1", port }, operation, this.room, request);
    await ticket.announce((this.socket.addr as Deno.NetAddr).port);
    this.#datagramHead = encodeClientDatagram(
      encoder.encode(this.room),
      encoder.encode(ticket.token),
      new Uint8Array(0),
    );
    this.#server = { transport: "udp", hostname: "127.0.0.1", port };
    this.#loop = this.#receive();
  }

  /** Sends the next numbered message. */
  async say(): Promise<void> {
    const text = encoder.encode(String(this.sent));
    const body = this.kaiwa ? Uint8Array.of(Command.Chat, ...text) : text;
    const datagram = new Uint8Array(this.#datagramHead.length + body.length);
    datagram.set(this.#datagramHead);
    datagram.set(body, this.#datagramHead.length);
    this.sent++;
    await this.socket.send(datagram, this.#server as Deno.NetAddr);
  }

  /** Closes the socket and ends the receive loop. */
  async close(): Promise<void> {
    this.socket.close();
    await this.#loop;
  }

  async #receive(): Promise<void> {
    const buffer = new Uint8Array(MAX_EVENT_SIZE + 1);
    for (;;) {
      let bytes: Uint8Array;
      try {
        [bytes] = await this.socket.receive(buffer);
      } catch {
        return;
      }
      if (this.kaiwa) {
        const event = decodeEvent(bytes);
        if (event.type === "shutdown") this.toldShutdown = true;
        if (event.type === "chat") this.#count(Number(event.sender.slice(1)), Number(event.text));
      } else {
        const text = decoder.decode(bytes);
        if (text === SHUTDOWN_TEXT) this.toldShutdown = true;
        const match = CHAT_TEXT.exec(text);
        if (match !== null) this.#count(Number(match[1]), Number(match[2]));
      }
    }
  }

  #count(sender: number, seq: number): void {
    this.received++;
    const last = this.#last.get(sender) ?? -1;
    if (seq <= last) this.disorder++;
    else this.#last.set(sender, seq);
  }
}
