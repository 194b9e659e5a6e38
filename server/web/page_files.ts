/**
 * The browser client's files, built into the program (text imports: `deno compile` embeds them,
 * and the page needs nothing from the network): the paths the web port serves, each with its
 * content type.
 *
 * @module
 */

import appJs from "./page/app.js" with { type: "text" };
import favicon from "./page/favicon.svg" with { type: "text" };
import indexHtml from "./page/index.html" with { type: "text" };
import styleCss from "./page/style.css" with { type: "text" };

/** One file of the page. */
export interface PageFile {
  /** Its `Content-Type`. */
  readonly type: string;
  /** Its bytes, as UTF-8 text. */
  readonly body: string;
}

/** The files by request path. */
export const PAGE_FILES: ReadonlyMap<string, PageFile> = new Map([
  ["/", { type: "text/html; charset=utf-8", body: indexHtml }],
  ["/app.js", { type: "text/javascript; charset=utf-8", body: appJs }],
  ["/style.css", { type: "text/css; charset=utf-8", body: styleCss }],
  ["/favicon.svg", { type: "image/svg+xml", body: favicon }],
]);
