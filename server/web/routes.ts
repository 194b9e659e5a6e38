/**
 * The seam between the room state and the browsers: a browser member is an ordinary kaiwa member
 * whose address belongs to the web side. Its address has `via` {@link WEB_VIA} and a port above
 * any UDP port, so it can be neither a real peer's nor collide with one in the state's address
 * index; the server's send function hands every datagram for such an address to
 * {@link WebRoutes.deliver} instead of a UDP socket, and the member's WebSocket gets it as JSON.
 *
 * @module
 */

import { decodeEvent, EventType, ProtocolError } from "../../protocol/mod.ts";
import { eventToJson } from "./json_mapping.ts";

/** The `via` of every browser member's address: no local IP address reads so. */
export const WEB_VIA = "web";
/** Ports of browser members' addresses start here, past the last UDP port (65535). */
const FIRST_WEB_PORT = 65_536;

/** What the routes read of an address (a `PeerAddress` of server/udp/, or the state's `UdpAddress`). */
export interface RoutedAddress {
  /** The browser member's port, from {@link WebRoutes.open}. */
  readonly port: number;
  /** {@link WEB_VIA} for a browser member's address. */
  readonly via?: string;
}

/** Where the events for one browser member go: each event as its JSON text (docs/protocol.md §9.3). */
export type Delivery = (json: string) => void;

/** Where an event's type is (docs/protocol.md §4.1). */
const EVENT_TYPE_OFFSET = 1;

/** The browser members' addresses, and where their events go, as JSON. */
export class WebRoutes {
  readonly #byPort = new Map<number, Delivery>();
  #nextPort = FIRST_WEB_PORT;
  /**
   * The last chat event mapped and its JSON: a room's fan-out hands every browser member the same
   * bytes in a row, so each message is decoded and written once however many browsers get it.
   * Only chat events: they are encoded afresh for each message and never changed afterwards.
   */
  #lastChat: Uint8Array | null = null;
  #lastChatJson = "";

  /** A fresh address port for a browser member whose events go to `delivery`. */
  open(delivery: Delivery): number {
    const port = this.#nextPort++;
    this.#byPort.set(port, delivery);
    return port;
  }

  /** Forgets the route of `port`: what is still sent there is dropped. */
  close(port: number): void {
    this.#byPort.delete(port);
  }

  /**
   * Hands `bytes` (a kaiwa event, as the state sent it) to the browser member at `address`, if it
   * is still there, as JSON. Called from inside the state's notifier: it never throws.
   */
  deliver(bytes: Uint8Array, address: RoutedAddress): void {
    const delivery = this.#byPort.get(address.port);
    if (delivery === undefined) return;
    if (bytes === this.#lastChat) return delivery(this.#lastChatJson);
    let json;
    try {
      json = JSON.stringify(eventToJson(decodeEvent(bytes)));
    } catch (error) {
      // The state only sends events it encoded itself: one that does not decode is a bug.
      if (error instanceof ProtocolError) return;
      throw error;
    }
    if (bytes[EVENT_TYPE_OFFSET] === EventType.Chat) {
      this.#lastChat = bytes;
      this.#lastChatJson = json;
    }
    delivery(json);
  }
}

/** True when `address` is a browser member's: its datagrams go to {@link WebRoutes.deliver}. */
export function isWebAddress(address: RoutedAddress): boolean {
  return address.via === WEB_VIA;
}
