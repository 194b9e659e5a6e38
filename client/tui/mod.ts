/**
 * The terminal user interface's building blocks, pure and free of I/O: key decoding, line
 * editing, display width, sanitizing untrusted text, colours and the screen layout. The
 * interactive client draws with them; pipe mode uses only the sanitizer.
 *
 * @module
 */

export type { ControlLetter, Key, NamedKey } from "./key.ts";
export { KeyDecoder } from "./keys.ts";
export { type EditResult, LineEditor } from "./line_editor.ts";
export {
  type ChatLine,
  type ColorMode,
  detectColorMode,
  formatChatLine,
  formatDay,
  formatDayChange,
  formatNotice,
  type RenderStyle,
  type TerminalTraits,
} from "./render.ts";
export { sanitizeForTerminal } from "./sanitize.ts";
export { truncateToWidth } from "./display_width.ts";
export { type InputView, Screen } from "./screen.ts";
export { ALTERNATE_SCREEN_OFF, ALTERNATE_SCREEN_ON, type Page, pageOf } from "./pager.ts";
