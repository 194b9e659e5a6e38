import { strictEqual } from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import config from "../deno.json" with { type: "json" };
import { ExitCode } from "../cli/exit_codes.ts";
import { binaryName, failureReason } from "../scripts/compile.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** Longest wait for the server to listen or the client to end: a guard against hanging, never a
 * measurement. */
const GUARD_MS = 15_000;

/** A port that was free a moment ago on 127.0.0.1 (the server binds TCP and UDP to it). */
function freePort(): number {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  return listener.addr.port;
}

/** Reads `stream` line by line until a line matches `pattern`; returns every line read so far. */
async function readUntil(
  reader: ReadableStreamDefaultReader<string>,
  pattern: RegExp,
): Promise<string> {
  let seen = "";
  let timer: ReturnType<typeof setTimeout> | undefined;
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`No line matching ${pattern} in time; got: ${seen}`)),
      GUARD_MS,
    );
  });
  try {
    while (!seen.split("\n").some((line) => pattern.test(line))) {
      const { value, done } = await Promise.race([reader.read(), guard]);
      if (done) throw new Error(`Output ended before a line matching ${pattern}: ${seen}`);
      seen += value;
    }
    return seen;
  } finally {
    clearTimeout(timer);
  }
}

Deno.test({
  name: "compiled binary runs --version and a serve/join exchange" +
    (Deno.env.get("DENORT_BIN") ? "" : " (skipped: DENORT_BIN is not set)"),
  ignore: !Deno.env.get("DENORT_BIN"),
  fn: async (t) => {
    const output = await Deno.makeTempDir({ prefix: "kaiwa_compile_" });
    try {
      const binary = join(output, binaryName(Deno.build.target));

      await t.step("deno task compile builds the host target", async () => {
        const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
          args: ["task", "compile", "--target", Deno.build.target, "--output", output],
          cwd: ROOT,
          stdin: "null",
        }).output();
        strictEqual(code, 0, decoder.decode(stdout) + decoder.decode(stderr));
      });

      await t.step("--version prints the version", async () => {
        const { code, stdout } = await new Deno.Command(binary, { args: ["--version"] }).output();
        strictEqual(code, ExitCode.Ok);
        strictEqual(decoder.decode(stdout), `kaiwa ${config.version}\n`);
      });

      await t.step(
        "a client creates a room, says hello and leaves; SIGTERM stops the server",
        async () => {
          const port = String(freePort());
          const dataDir = join(output, "data");
          const server = new Deno.Command(binary, {
            // The identity and known_servers in one data directory: the join runs over TLS.
            args: ["serve", "--host", "127.0.0.1", "--port", port, "--data-dir", dataDir],
            stdin: "null",
            stdout: "null",
            stderr: "piped",
          }).spawn();
          const log = server.stderr.pipeThrough(new TextDecoderStream()).getReader();
          let serverCode: number;
          try {
            await readUntil(log, /listening/i);
            const client = new Deno.Command(binary, {
              args: [
                "join",
                "room",
                "--name",
                "a",
                "--create",
                "--host",
                "127.0.0.1",
                "--port",
                port,
                "--data-dir",
                dataDir,
              ],
              stdin: "piped",
              stdout: "piped",
              stderr: "piped",
            }).spawn();
            const writer = client.stdin.getWriter();
            await writer.write(encoder.encode("hello\n"));
            await writer.close();
            const guard = setTimeout(() => client.kill(), GUARD_MS);
            const joined = await client.output().finally(() => clearTimeout(guard));
            const transcript = decoder.decode(joined.stdout) + decoder.decode(joined.stderr);
            strictEqual(joined.code, ExitCode.Ok, transcript);
          } finally {
            try {
              server.kill("SIGTERM");
            } catch {
              // It has already exited; its status says how.
            }
            serverCode = (await server.status).code;
            // Drain the rest of the log so the pipe is released before the sanitizer looks.
            while (!(await log.read()).done) { /* discard */ }
          }
          strictEqual(serverCode, ExitCode.Ok);
        },
      );
    } finally {
      await Deno.remove(output, { recursive: true });
    }
  },
});

Deno.test({
  name: "failureReason() reports the cause of a failed deno compile on one line",
  permissions: "none",
  fn: async (t) => {
    await t.step("the innermost informative cause of a failed download", () => {
      const stderr = [
        "Compile main.ts to dist/kaiwa-x86_64-apple-darwin",
        "error: Writing deno compile executable to temporary file 'dist/kaiwa.tmp-1'",
        "",
        "Caused by:",
        "    0: Setting up base binary.",
        "    1: error sending request for url (https://example.invalid/denort.zip): dns error",
        "    2: dns error",
      ].join("\n");
      strictEqual(
        failureReason(stderr, 1),
        "error sending request for url (https://example.invalid/denort.zip): dns error",
      );
    });
    await t.step("a plain error line", () => {
      strictEqual(failureReason("Check main.ts\nerror: Module not found\n", 1), "Module not found");
    });
    await t.step("no output at all", () => {
      strictEqual(failureReason("", 3), "deno compile exited with code 3");
    });
    await t.step("binaryName() adds .exe for Windows only", () => {
      strictEqual(binaryName("x86_64-pc-windows-msvc"), "kaiwa-x86_64-pc-windows-msvc.exe");
      strictEqual(binaryName("aarch64-apple-darwin"), "kaiwa-aarch64-apple-darwin");
    });
  },
});
