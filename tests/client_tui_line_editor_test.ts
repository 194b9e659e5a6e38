import { deepStrictEqual, strictEqual } from "node:assert/strict";
import type { Key } from "../client/tui/key.ts";
import { LineEditor } from "../client/tui/line_editor.ts";

type KeyName = Exclude<Key["type"], "text" | "paste">;

/** An editor holding `text` with the cursor at the end. */
function editorWith(text: string): LineEditor {
  const editor = new LineEditor();
  editor.apply({ type: "text", text });
  return editor;
}

/** Presses named keys in order. */
function press(editor: LineEditor, ...names: KeyName[]): void {
  for (const name of names) editor.apply({ type: name });
}

/** The text with "|" at the cursor. */
function show(editor: LineEditor): string {
  const g = editor.graphemes;
  return g.slice(0, editor.cursor).join("") + "|" + g.slice(editor.cursor).join("");
}

Deno.test({
  name: "LineEditor edits text at the cursor",
  permissions: "none",
  fn: async (t) => {
    await t.step("inserts typed text and moves the cursor", () => {
      const editor = editorWith("helo");
      press(editor, "left");
      deepStrictEqual(editor.apply({ type: "text", text: "l" }), { type: "changed" });
      strictEqual(show(editor), "hell|o");
    });
    await t.step("moves over wide characters and emoji sequences one grapheme at a time", () => {
      const editor = editorWith("日本👨‍👩‍👧🇯🇵");
      press(editor, "left");
      strictEqual(show(editor), "日本👨‍👩‍👧|🇯🇵");
      press(editor, "left", "left");
      strictEqual(show(editor), "日|本👨‍👩‍👧🇯🇵");
      press(editor, "ctrl-e");
      strictEqual(editor.cursor, 4);
      press(editor, "ctrl-a");
      strictEqual(editor.cursor, 0);
      press(editor, "end", "home", "right");
      strictEqual(show(editor), "日|本👨‍👩‍👧🇯🇵");
    });
    await t.step("Backspace and Delete remove whole graphemes", () => {
      const editor = editorWith("a👨‍👩‍👧日🇯🇵");
      press(editor, "backspace");
      strictEqual(show(editor), "a👨‍👩‍👧日|");
      press(editor, "home", "right", "delete");
      strictEqual(show(editor), "a|日");
    });
    await t.step("inserts between wide characters", () => {
      const editor = editorWith("日本");
      press(editor, "left");
      editor.apply({ type: "text", text: "の" });
      strictEqual(show(editor), "日の|本");
    });
    await t.step("a combining mark joins the character before the cursor", () => {
      const editor = editorWith("cafe");
      editor.apply({ type: "text", text: "\u0301" });
      strictEqual(editor.graphemes.length, 4);
      strictEqual(show(editor), "cafe\u0301|");
    });
    await t.step("reports unchanged at the edges", () => {
      const editor = editorWith("ab");
      deepStrictEqual(editor.apply({ type: "right" }), { type: "unchanged" });
      deepStrictEqual(editor.apply({ type: "delete" }), { type: "unchanged" });
      press(editor, "home");
      deepStrictEqual(editor.apply({ type: "backspace" }), { type: "unchanged" });
      deepStrictEqual(editor.apply({ type: "left" }), { type: "unchanged" });
    });
    await t.step("cleans pasted text: line breaks become spaces, controls vanish", () => {
      const editor = new LineEditor();
      editor.apply({ type: "paste", text: "one\r\ntwo\x1b[31m\u202e" });
      strictEqual(editor.text, "one two[31m");
    });
  },
});

Deno.test({
  name: "LineEditor kills and yanks like readline",
  permissions: "none",
  fn: async (t) => {
    await t.step("Ctrl-U kills to the start, Ctrl-Y yanks it back", () => {
      const editor = editorWith("日本 語");
      press(editor, "left", "ctrl-u");
      strictEqual(show(editor), "|語");
      press(editor, "end", "ctrl-y");
      strictEqual(show(editor), "語日本 |");
    });
    await t.step("Ctrl-K kills to the end", () => {
      const editor = editorWith("hello world");
      press(editor, "ctrl-a", "alt-f", "ctrl-k");
      strictEqual(show(editor), "hello|");
    });
    await t.step("Ctrl-W kills the previous whitespace-delimited word", () => {
      const editor = editorWith("say foo.bar  ");
      press(editor, "ctrl-w");
      strictEqual(show(editor), "say |");
    });
    await t.step("Alt-Backspace kills the previous alphanumeric word", () => {
      const editor = editorWith("say foo.bar");
      press(editor, "alt-backspace");
      strictEqual(show(editor), "say foo.|");
    });
    await t.step("Alt-D kills the next word", () => {
      const editor = editorWith("one two three");
      press(editor, "ctrl-a", "alt-d");
      strictEqual(show(editor), "| two three");
    });
    await t.step("word motions treat a run of Japanese as one word", () => {
      const editor = editorWith("これは テスト");
      press(editor, "ctrl-left");
      strictEqual(show(editor), "これは |テスト");
      press(editor, "alt-b");
      strictEqual(show(editor), "|これは テスト");
      press(editor, "ctrl-right");
      strictEqual(show(editor), "これは| テスト");
    });
  },
});

Deno.test({
  name: "LineEditor submits, stops and recalls history",
  permissions: "none",
  fn: async (t) => {
    await t.step("Enter submits the text and empties the line", () => {
      const editor = editorWith("hi 👋");
      deepStrictEqual(editor.apply({ type: "enter" }), { type: "submitted", text: "hi 👋" });
      strictEqual(show(editor), "|");
    });
    await t.step("Enter on an empty line does nothing", () => {
      deepStrictEqual(new LineEditor().apply({ type: "enter" }), { type: "unchanged" });
    });
    await t.step("Ctrl-D is EOF on an empty line and Delete otherwise", () => {
      deepStrictEqual(new LineEditor().apply({ type: "ctrl-d" }), { type: "eof" });
      const editor = editorWith("ab");
      press(editor, "home", "ctrl-d");
      strictEqual(show(editor), "|b");
    });
    await t.step("Ctrl-C interrupts and Ctrl-L asks for a redraw", () => {
      deepStrictEqual(editorWith("x").apply({ type: "ctrl-c" }), { type: "interrupt" });
      deepStrictEqual(editorWith("x").apply({ type: "ctrl-l" }), { type: "redraw" });
    });
    await t.step("Up/Down walk the history and keep the draft", () => {
      const editor = new LineEditor();
      for (const line of ["first", "second"]) {
        editor.apply({ type: "text", text: line });
        press(editor, "enter");
      }
      editor.apply({ type: "text", text: "draft" });
      press(editor, "up");
      strictEqual(show(editor), "second|");
      press(editor, "ctrl-p");
      strictEqual(show(editor), "first|");
      deepStrictEqual(editor.apply({ type: "up" }), { type: "unchanged" });
      press(editor, "down");
      strictEqual(editor.text, "second");
      press(editor, "ctrl-n");
      strictEqual(show(editor), "draft|");
      deepStrictEqual(editor.apply({ type: "down" }), { type: "unchanged" });
    });
    await t.step("a recalled line can be edited and sent; repeats are stored once", () => {
      const editor = new LineEditor();
      editor.apply({ type: "text", text: "same" });
      press(editor, "enter", "up", "enter", "up");
      editor.apply({ type: "text", text: "!" });
      press(editor, "enter");
      deepStrictEqual(editor.history, ["same", "same!"]);
    });
    await t.step("the history forgets the oldest lines beyond its limit", () => {
      const editor = new LineEditor({ historyLimit: 2 });
      for (const line of ["a", "b", "c"]) {
        editor.apply({ type: "text", text: line });
        press(editor, "enter");
      }
      deepStrictEqual(editor.history, ["b", "c"]);
    });
    await t.step("setText() replaces the line, cleaned, with the cursor at the end", () => {
      const editor = editorWith("old");
      editor.setText("new\ttext\x07");
      strictEqual(show(editor), "new text|");
    });
  },
});
