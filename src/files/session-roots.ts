import { realpath, stat } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { type Root, RootsListChangedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { MediagateError } from "../errors.js";
import { log } from "../log.js";
import type { FileRootsConfig } from "../types.js";
import { type RootList, rootList, tooBroadRoot } from "./roots.js";

/** How long the client may take to answer roots/list: a tool call waits for it, within its own 60 s. */
const listRootsTimeoutMs = 10_000;

const clientHowToAllow =
  "add its folder to the folders the client shares with mediagate (its MCP roots: the open folders or workspace)";

/** The client's roots as mediagate uses them: the usable directories, and why the others were left out. */
interface ClientRoots {
  directories: string[];
  leftOut: string[];
}

/**
 * The file roots of one connected client: its own MCP roots first (`roots/list`, `file://` URIs) when it
 * declares the `roots` capability and lists at least one usable root, otherwise the configured ones
 * (`FileRootsConfig`). The filesystem reference server (modelcontextprotocol/servers, src/filesystem)
 * works the same way.
 *
 * The list is asked for on the first call that reads a local file, not at `initialized`: most sessions
 * never read one, and a client may answer roots/list only once its user has chosen folders. It is kept
 * until the client sends `notifications/roots/list_changed`, then asked for again on the next use.
 *
 * Over stateless HTTP every request has a server of its own, which never saw the client's initialize
 * and has no channel to send the client a request on: the client's roots cannot be asked for there, so
 * only the configured roots (MEDIAGATE_FILE_ROOTS) apply.
 */
export class SessionRoots {
  private readonly config: FileRootsConfig;
  private server: Server | undefined;
  private cached: Promise<ClientRoots | undefined> | undefined;

  constructor(config: FileRootsConfig) {
    this.config = config;
  }

  /**
   * Puts the roots of the client `server` talks to first, and forgets them when it says they changed.
   * Not called where no client can be asked (stateless HTTP, `mediagate doctor`).
   */
  follow(server: Server): void {
    this.server = server;
    server.setNotificationHandler(RootsListChangedNotificationSchema, () => {
      this.cached = undefined;
    });
  }

  /**
   * The directories a call may read files from, never empty: when none is allowed, a `file_access`
   * error naming `field` that says why and how to allow a folder.
   */
  async list(field: string, signal?: AbortSignal): Promise<RootList> {
    const client = await this.clientRoots(signal);
    if (client && client.directories.length > 0) return rootList(client.directories, clientHowToAllow);
    const { directories, howToAllow, whenNone } = this.config;
    if (directories.length > 0) return rootList(directories, howToAllow);
    const leftOut = client?.leftOut.length
      ? ` (the client's roots were left out: ${client.leftOut.join("; ")})`
      : "";
    throw new MediagateError("file_access", `${field}: ${whenNone}${leftOut}`);
  }

  private clientRoots(signal?: AbortSignal): Promise<ClientRoots | undefined> {
    if (!this.server?.getClientCapabilities()?.roots) return Promise.resolve(undefined);
    if (!this.cached) {
      const asked = this.ask(this.server, signal);
      this.cached = asked;
      // A failed answer is not kept: the next call asks again.
      const forget = () => {
        if (this.cached === asked) this.cached = undefined;
      };
      asked.then((roots) => roots ?? forget(), forget);
    }
    if (!signal) return this.cached;
    // The list is shared by every call; one call's cancellation stops only its own wait for it.
    return Promise.race([
      this.cached,
      new Promise<never>((_, reject) => {
        if (signal.aborted) reject(signal.reason);
        signal.addEventListener("abort", () => reject(signal.reason), { once: true });
      }),
    ]);
  }

  /**
   * Asks the client for its roots; undefined when it cannot answer (the configured roots then apply).
   * What is left out is logged, to the client too through the signal of the call that asked.
   */
  private async ask(server: Server, signal?: AbortSignal): Promise<ClientRoots | undefined> {
    let roots: Root[];
    try {
      ({ roots } = await server.listRoots(undefined, { timeout: listRootsTimeoutMs }));
    } catch (error) {
      log(
        "warn",
        "the client did not list its roots; using the configured file roots",
        { error: error instanceof Error ? error.message : String(error) },
        signal,
      );
      return undefined;
    }
    const directories: string[] = [];
    const leftOut: string[] = [];
    for (const root of roots) {
      const reason = await this.usable(root, directories);
      if (reason) {
        leftOut.push(`${root.uri} ${reason}`);
        log("warn", `ignoring the client's root ${root.uri}: it ${reason}`, undefined, signal);
      }
    }
    log("debug", "the client's roots", { roots: directories }, signal);
    return { directories, leftOut };
  }

  /** Adds the root's directory to `directories`, or says why it cannot be one. */
  private async usable(root: Root, directories: string[]): Promise<string | undefined> {
    let directory: string;
    try {
      directory = await realpath(fileURLToPath(root.uri));
      if (!(await stat(directory)).isDirectory()) return "is not a folder";
    } catch {
      // The SDK has checked the scheme; a remote host (file://server/share) or a missing folder ends here.
      return "is not a readable local folder";
    }
    const broad = await tooBroadRoot(directory);
    if (broad) return `is ${broad}, too broad to read files from`;
    directories.push(directory);
    return undefined;
  }
}
