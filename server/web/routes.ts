/**
 * The seam between the room state and the browsers: a browser member is an ordinary kaiwa member
 * whose address belongs to the web side. Its address has `via` {@link WEB_VIA} and a port above
 * any UDP port, so it can be neither a real peer's nor collide with one in the state's address
 * index; the server's send function hands every datagram for such an address to
 * {@link WebRoutes.deliver} instead of a UDP socket, and the member's WebSocket gets it.
 *
 * @module
 */

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

/** Where the events for one browser member go: the kaiwa event bytes, as the state sent them. */
export type Delivery = (event: Uint8Array) => void;

/** The browser members' addresses, and where their events go. */
export class WebRoutes {
  readonly #byPort = new Map<number, Delivery>();
  #nextPort = FIRST_WEB_PORT;

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

  /** Hands `bytes` (a kaiwa event) to the browser member at `address`, if it is still there. */
  deliver(bytes: Uint8Array, address: RoutedAddress): void {
    this.#byPort.get(address.port)?.(bytes);
  }
}

/** True when `address` is a browser member's: its datagrams go to {@link WebRoutes.deliver}. */
export function isWebAddress(address: RoutedAddress): boolean {
  return address.via === WEB_VIA;
}
