/**
 * The browser client (`kaiwa serve --web-port`): one page served by kaiwa itself, and a
 * WebSocket endpoint speaking kaiwa's events as JSON (docs/protocol.md §9).
 *
 * The seam with the rest of the server is narrow: browser members are admitted through the TCP
 * side's `answerRoomRequest` and act through `ServerState.receive` with the datagrams a kaiwa
 * client would send, so every rule of the room state applies to them; the state's deliveries to
 * their addresses (`via` {@linkcode WEB_VIA}) are handed to {@linkcode WebRoutes.deliver} by the
 * server's send function instead of a UDP socket. Nothing in server/state/ or server/udp/ knows
 * of browsers.
 *
 * @module
 */

export { isWebAddress, type RoutedAddress, WEB_VIA, WebRoutes } from "./routes.ts";
export {
  MAX_HEAD_BYTES,
  MAX_MESSAGE_BYTES,
  MAX_QUEUED_BYTES,
  MESSAGE_BURST,
  MESSAGE_RATE,
  WebFront,
  type WebFrontOptions,
  WEBSOCKET_PATH,
} from "./web_front.ts";
export {
  BadRequestError,
  type BrowserRequest,
  eventToJson,
  type JsonMember,
  parseBrowserRequest,
  refusalToJson,
  type ServerMessage,
} from "./json_mapping.ts";
