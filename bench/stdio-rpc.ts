import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import type { Target } from "./targets.js";

interface RpcMessage {
  jsonrpc: "2.0";
  id?: number;
  result?: Record<string, unknown>;
  error?: { code: number; message: string };
}

/**
 * A bare JSON-RPC client over a child's stdio, newline-delimited as MCP's stdio transport is. The cold-start
 * and context measurements use it rather than the SDK's client so that the client's own start-up and parsing
 * are not part of what is measured, and so the raw answer size is what the server actually sent.
 */
export class StdioRpc {
  readonly child: ChildProcessWithoutNullStreams;
  private buffer = "";
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (message: RpcMessage & { bytes: number }) => void; reject: (error: Error) => void }
  >();
  private readonly exited: Promise<void>;

  constructor(target: Target) {
    this.child = spawn(target.command, target.args, { env: target.env, stdio: ["pipe", "pipe", "pipe"] });
    this.child.stderr.resume();
    this.child.stdout.setEncoding("utf8");
    this.child.stdout.on("data", (chunk: string) => this.receive(chunk));
    this.exited = new Promise((resolve) => {
      this.child.once("exit", () => {
        for (const { reject } of this.pending.values()) reject(new Error(`${target.name} exited`));
        this.pending.clear();
        resolve();
      });
    });
  }

  private receive(chunk: string): void {
    this.buffer += chunk;
    for (let end = this.buffer.indexOf("\n"); end >= 0; end = this.buffer.indexOf("\n")) {
      const line = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 1);
      if (line.trim() === "") continue;
      const message = JSON.parse(line) as RpcMessage;
      if (message.id === undefined) continue;
      const waiter = this.pending.get(message.id);
      if (!waiter) continue;
      this.pending.delete(message.id);
      waiter.resolve({ ...message, bytes: Buffer.byteLength(line) + 1 });
    }
  }

  /** Sends a request; resolves with the answer and its size on the wire in bytes. */
  request(method: string, params: Record<string, unknown> = {}): Promise<RpcMessage & { bytes: number }> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", id, method, params })}\n`);
    });
  }

  notify(method: string, params: Record<string, unknown> = {}): void {
    this.child.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", method, params })}\n`);
  }

  /** initialize, then notifications/initialized: the handshake every MCP client makes. */
  async initialize(): Promise<void> {
    const answer = await this.request("initialize", {
      protocolVersion: "2025-06-18",
      capabilities: {},
      clientInfo: { name: "mediagate-bench", version: "1.0.0" },
    });
    if (answer.error) throw new Error(`initialize failed: ${answer.error.message}`);
    this.notify("notifications/initialized");
  }

  async close(): Promise<void> {
    this.child.stdin.end();
    this.child.kill();
    await this.exited;
  }
}
