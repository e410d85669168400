import type { Readable, Writable } from "node:stream";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { serializeLine } from "../tools/result.js";

/**
 * MCP over stdio, with the messages sent in one turn of the event loop written to stdout together.
 *
 * The SDK's transport writes each message on its own: one system call, and one wake-up of the client, per
 * answer. With many calls in flight, several answers are ready in the same turn (their provider answers
 * arrive together); corking stdout until the turn ends (`setImmediate`) joins them into one write. A lone
 * answer still leaves in the same turn it was made in, so a single call waits no longer.
 *
 * A tool's answer reuses the JSON of its structuredContent that its text block carries (`serializeLine`):
 * the result is serialised once, not twice.
 *
 * While stdout is full, every message waits for the same "drain" (the SDK's transport adds a listener per
 * message, which past ten in flight prints a MaxListenersExceededWarning on stderr).
 */
export class BatchingStdioServerTransport extends StdioServerTransport {
  private readonly out: Writable;
  private corked = false;
  private drained: Promise<void> | undefined;

  constructor(stdin: Readable = process.stdin, stdout: Writable = process.stdout) {
    super(stdin, stdout);
    this.out = stdout;
  }

  override send(message: JSONRPCMessage): Promise<void> {
    if (!this.corked) {
      this.corked = true;
      this.out.cork();
      setImmediate(() => this.flush());
    }
    if (this.out.write(serializeLine(message))) return Promise.resolve();
    this.drained ??= new Promise((resolve) => {
      this.out.once("drain", () => {
        this.drained = undefined;
        resolve();
      });
    });
    return this.drained;
  }

  /** Writes what is corked now; also on close, so an answer made just before the end is not lost. */
  private flush(): void {
    if (!this.corked) return;
    this.corked = false;
    this.out.uncork();
  }

  override async close(): Promise<void> {
    this.flush();
    await super.close();
  }
}
