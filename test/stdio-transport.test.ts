import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { PassThrough, Writable } from "node:stream";
import { after, before, describe, test } from "node:test";
import { SANDBOX_SEED, type Sandbox, startSandbox } from "../src/sandbox/index.js";
import { successResult } from "../src/tools/result.js";
import { BatchingStdioServerTransport } from "../src/transport/stdio.js";
import { cliPath, testBasePaths } from "./helpers/harness.js";
import { cleanEnv } from "./helpers/server-process.js";

/** A stdout that records each write the stream makes, as the system calls it would be. */
function recordingStdout() {
  const writes: string[][] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      writes.push([chunk.toString("utf8")]);
      callback();
    },
    writev(chunks, callback) {
      writes.push(chunks.map(({ chunk }) => (chunk as Buffer).toString("utf8")));
      callback();
    },
  });
  return { stream, writes };
}

const message = (id: number) => ({ jsonrpc: "2.0" as const, id, result: { n: id } });

describe("stdio transport", () => {
  test("messages sent in one turn of the event loop leave in one write, in order", async () => {
    const { stream, writes } = recordingStdout();
    const transport = new BatchingStdioServerTransport(new PassThrough(), stream);
    await transport.start();
    const sent = [transport.send(message(1)), transport.send(message(2)), transport.send(message(3))];
    assert.equal(writes.length, 0, "held until the turn ends");
    await Promise.all(sent);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(writes, [[1, 2, 3].map((id) => `${JSON.stringify(message(id))}\n`)]);
    await transport.send(message(4));
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(writes[1], [`${JSON.stringify(message(4))}\n`], "a later message leaves on its own");
    await transport.close();
  });

  test("a tool's answer is written whole, its structuredContent from the JSON its text already carries", async () => {
    const { stream, writes } = recordingStdout();
    const transport = new BatchingStdioServerTransport(new PassThrough(), stream);
    await transport.start();
    const structured = { audio: { id: "a-1", title: 'Quotes " and \\ and é', tags: ["x"], size: 12 } };
    const answers = [
      { jsonrpc: "2.0" as const, id: 9, result: successResult(structured, "Audio a-1") },
      {
        jsonrpc: "2.0" as const,
        id: "s-1",
        result: { ...successResult(structured, "Audio a-1"), _meta: { k: 1 } },
      },
    ];
    for (const answer of answers) await transport.send(answer);
    await new Promise((resolve) => setImmediate(resolve));
    const lines = writes.flat();
    assert.equal(lines.length, 2);
    for (const [index, answer] of answers.entries()) {
      const line = lines[index] as string;
      assert.ok(line.endsWith("}\n") && !line.slice(0, -1).includes("\n"), "one line");
      // What a client reads is exactly the message: text, structuredContent and every other field.
      assert.deepEqual(JSON.parse(line), JSON.parse(JSON.stringify(answer)));
    }
    assert.equal(
      JSON.parse(lines[0] as string).result.content[0].text,
      `Audio a-1\n${JSON.stringify(structured)}`,
    );
    await transport.close();
  });

  test("closing writes what is still held at once", async () => {
    const { stream, writes } = recordingStdout();
    const transport = new BatchingStdioServerTransport(new PassThrough(), stream);
    await transport.start();
    const sent = transport.send(message(7));
    await transport.close();
    assert.deepEqual(writes, [[`${JSON.stringify(message(7))}\n`]]);
    await sent;
  });

  test("while stdout is full, messages wait for one drain together, and all go out once it drains", async () => {
    const held: Array<() => void> = [];
    const written: string[] = [];
    const stream = new Writable({
      highWaterMark: 16,
      writev(chunks, callback) {
        written.push(...chunks.map(({ chunk }) => (chunk as Buffer).toString("utf8")));
        held.push(callback);
      },
    });
    const transport = new BatchingStdioServerTransport(new PassThrough(), stream);
    await transport.start();
    let settled = 0;
    const sent = Array.from({ length: 20 }, (_, index) =>
      transport.send(message(index)).then(() => {
        settled++;
      }),
    );
    assert.ok(stream.listenerCount("drain") <= 1, `${stream.listenerCount("drain")} drain listeners`);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(written.length, 20, "every message written once the turn ends");
    assert.equal(settled, 0, "none settled before stdout drained");
    for (const release of held.splice(0)) release();
    await Promise.all(sent);
    assert.equal(settled, 20);
    await transport.close();
  });

  describe("the built server", () => {
    let sandbox: Sandbox;
    before(async () => {
      sandbox = await startSandbox({ basePaths: testBasePaths });
    });
    after(async () => {
      await sandbox?.close();
    });

    test("64 calls sent in one write are all answered, each once, under its own id", async () => {
      const child = spawn(process.execPath, [cliPath], {
        env: { ...cleanEnv(), ...sandbox.env() },
        stdio: ["pipe", "pipe", "ignore"],
      });
      const answers = new Map<number, Record<string, unknown>>();
      let buffer = "";
      let lines = 0;
      const all = new Promise<void>((resolve, reject) => {
        child.stdout.setEncoding("utf8");
        child.stdout.on("data", (chunk: string) => {
          buffer += chunk;
          for (let end = buffer.indexOf("\n"); end >= 0; end = buffer.indexOf("\n")) {
            const line = buffer.slice(0, end);
            buffer = buffer.slice(end + 1);
            lines++;
            const answer = JSON.parse(line) as { id?: number; result?: Record<string, unknown> };
            if (typeof answer.id !== "number") continue;
            assert.ok(!answers.has(answer.id), `id ${answer.id} answered twice`);
            answers.set(answer.id, answer.result ?? {});
            if (answers.size === 65) resolve();
          }
        });
        child.once("exit", () => reject(new Error("the server exited before answering every call")));
      });
      const requests = [
        {
          jsonrpc: "2.0",
          id: 0,
          method: "initialize",
          params: {
            protocolVersion: "2025-06-18",
            capabilities: {},
            clientInfo: { name: "mediagate-test", version: "1.0.0" },
          },
        },
        { jsonrpc: "2.0", method: "notifications/initialized" },
        ...Array.from({ length: 64 }, (_, index) => ({
          jsonrpc: "2.0",
          id: index + 1,
          method: "tools/call",
          params: { name: "aioz_get_audio", arguments: { audio_id: SANDBOX_SEED.aioz.audioId } },
        })),
      ];
      child.stdin.write(requests.map((request) => `${JSON.stringify(request)}\n`).join(""));
      try {
        await all;
      } finally {
        child.stdin.end();
        child.kill();
        await once(child, "exit").catch(() => undefined);
      }
      assert.ok(lines >= 65);
      for (let id = 1; id <= 64; id++) {
        const result = answers.get(id) as {
          isError?: boolean;
          structuredContent?: { audio?: { id?: string } };
        };
        assert.notEqual(result.isError, true, `call ${id}`);
        assert.equal(result.structuredContent?.audio?.id, SANDBOX_SEED.aioz.audioId, `call ${id}`);
      }
    });
  });
});
