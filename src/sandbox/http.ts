import { createReadStream } from "node:fs";
import { stat, unlink } from "node:fs/promises";
import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
  STATUS_CODES,
} from "node:http";
import type { AddressInfo } from "node:net";
import { pipeline } from "node:stream/promises";
import { HttpError } from "./errors.js";
import {
  DEFAULT_MULTIPART_LIMITS,
  type MultipartBody,
  multipartBoundary,
  parseMultipart,
} from "./multipart.js";
import type { Emulator, Fault, RecordedRequest } from "./types.js";

export { HttpError } from "./errors.js";

const MAX_JSON_BYTES = 1024 * 1024;
/** A 210 MiB file part plus generous room for the other fields and the multipart framing. */
const MAX_MULTIPART_BYTES = 211 * 1024 * 1024;

export interface RequestContext {
  readonly method: string;
  readonly path: string;
  readonly route: string;
  readonly query: Record<string, string>;
  readonly headers: Record<string, string>;
  readonly params: Record<string, string>;
  /** Parsed JSON, or undefined when the body was empty or multipart. */
  readonly json: unknown;
  /** Present for multipart requests; the file part's `tempPath` is deleted after the handler returns. */
  readonly multipart?: MultipartBody;
}

export interface Reply {
  status?: number;
  /** Sent as `application/json`. */
  json?: unknown;
  body?: string | Buffer;
  /** A file on disk, served with single-range support so players can seek. */
  file?: string;
  contentType?: string;
  headers?: Record<string, string>;
}

export interface Route {
  method: string;
  /** Segments, ":name" for a parameter; a trailing "/" is significant, as it is for the real APIs. */
  path: string;
  /** Routes outside the base path serve the URLs the emulator hands out (e.g. "/sandbox/videodb/..."). */
  outsideBasePath?: boolean;
  /** Served without credentials: media URLs a user opens in a browser or player. */
  public?: boolean;
  /** Multipart file parts are kept on disk for the handler instead of being hashed and discarded. */
  upload?: boolean;
  /** Largest multipart body the route takes; default a 210 MiB file part. */
  maxBodyBytes?: number;
  handle(ctx: RequestContext): Reply | Promise<Reply>;
}

export interface EmulatorSetup {
  host: string;
  basePath: string;
  /** Where uploads are staged; required by routes marked `upload`. */
  storageDir?: string;
  /** What the request record keeps; default `defaultRecording`. */
  recording?: Recording;
}

/** How much of what an emulator received it keeps, for tests to assert on. */
export interface Recording {
  /** Requests kept, newest last; the oldest goes when a new one would exceed it. */
  limit: number;
  /** Whether bodies are kept (parsed JSON, a multipart's fields and file digest); headers always are. */
  bodies: boolean;
}

/**
 * Under test: the last 1000 requests with their bodies, more than any test sends between two clears.
 * The user-facing sandbox keeps far less (src/sandbox/local.ts).
 */
export const defaultRecording: Readonly<Recording> = Object.freeze({ limit: 1000, bodies: true });

/** Appends to a record kept to its last `limit` entries. */
function keepLast<T>(list: T[], item: T, limit: number): void {
  list.push(item);
  if (list.length > limit) list.splice(0, list.length - limit);
}

interface CompiledRoute extends Route {
  segments: string[];
}

interface PendingFault extends Fault {
  remaining: number;
  /** With `holdUntil`: how many matching requests have arrived, and the gate that opens at the count. */
  barrier?: { arrived: number; opened: Promise<void>; open: () => void };
}

type RouteMatch =
  | { kind: "found"; route: CompiledRoute; params: Record<string, string> }
  | { kind: "method"; allow: string[] }
  | { kind: "none" };

/** Trailing slashes stay significant; a base path of "/" means none. */
export function normalizeBasePath(basePath: string | undefined, fallback: string): string {
  const raw = basePath ?? fallback;
  if (raw === "" || raw === "/") return "";
  const withSlash = raw.startsWith("/") ? raw : `/${raw}`;
  return withSlash.replace(/\/+$/, "");
}

function flattenHeaders(headers: IncomingMessage["headers"]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}

/**
 * The raw request target is split by hand: `new URL("//host/x", base)` would read "host" as an authority
 * and quietly change the path.
 */
function splitTarget(target: string): { path: string; query: Record<string, string> } {
  const q = target.indexOf("?");
  const path = q < 0 ? target : target.slice(0, q);
  const query: Record<string, string> = {};
  if (q >= 0) {
    for (const [key, value] of new URLSearchParams(target.slice(q + 1))) query[key] = value;
  }
  return { path: path || "/", query };
}

function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

async function* countBytes(
  source: AsyncIterable<Buffer>,
  counter: { bytes: number },
  limit: number,
): AsyncGenerator<Buffer> {
  for await (const chunk of source) {
    counter.bytes += chunk.length;
    if (counter.bytes > limit) throw new HttpError(413, `request body is larger than ${limit} bytes`);
    yield chunk;
  }
}

/** Keeps the text that failed to parse so the recorder can still show what was sent. */
class InvalidJsonError extends HttpError {
  constructor(readonly text: string) {
    super(400, "request body is not valid JSON");
  }
}

interface ReadBody {
  json?: unknown;
  multipart?: MultipartBody;
  recorded: unknown;
}

async function readBody(
  req: IncomingMessage,
  counter: { bytes: number },
  uploadDir: string | undefined,
  maxMultipartBytes = MAX_MULTIPART_BYTES,
): Promise<ReadBody> {
  // Not destroying the request on an early exit lets the emulator still answer 400/413 in its envelope.
  const source = req.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>;
  const contentType = req.headers["content-type"];
  if (contentType && /^multipart\//i.test(contentType)) {
    const boundary = multipartBoundary(contentType);
    if (!boundary) throw new HttpError(400, "multipart/form-data body without a boundary");
    const multipart = await parseMultipart(
      countBytes(source, counter, maxMultipartBytes),
      boundary,
      uploadDir,
      maxMultipartBytes === MAX_MULTIPART_BYTES
        ? undefined
        : { ...DEFAULT_MULTIPART_LIMITS, maxFileBytes: maxMultipartBytes },
    );
    const recorded: {
      fields: Record<string, string>;
      order: string[];
      file?: { filename?: string; size: number; md5: string };
    } = { fields: { ...multipart.fields }, order: [...multipart.order] };
    if (multipart.file) {
      const { filename, size, md5 } = multipart.file;
      recorded.file = filename === undefined ? { size, md5 } : { filename, size, md5 };
    }
    return { multipart, recorded };
  }
  const chunks: Buffer[] = [];
  for await (const chunk of countBytes(source, counter, MAX_JSON_BYTES)) chunks.push(chunk);
  if (counter.bytes === 0) return { recorded: undefined };
  const text = Buffer.concat(chunks).toString("utf8");
  try {
    const json: unknown = JSON.parse(text);
    return { json, recorded: json };
  } catch {
    throw new InvalidJsonError(text);
  }
}

/** A tiny HTTP server with a router, a request recorder and a fault injector; one per provider. */
export abstract class HttpEmulator implements Emulator {
  readonly requests: RecordedRequest[] = [];
  readonly abandoned: RecordedRequest[] = [];
  private abandonWaiters: { count: number; resolve: () => void }[] = [];
  protected readonly host: string;
  protected readonly basePath: string;
  protected readonly storageDir: string | undefined;
  private readonly recording: Recording;
  private readonly faults: PendingFault[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private compiled: CompiledRoute[] = [];
  private server: Server | undefined;
  private listening = "";
  /** The Host header values this emulator answers: its own address and port, and `localhost` with it. */
  private ownHosts = new Set<string>();

  constructor(setup: EmulatorSetup) {
    this.host = setup.host;
    this.basePath = setup.basePath;
    this.storageDir = setup.storageDir;
    this.recording = setup.recording ?? defaultRecording;
  }

  get origin(): string {
    if (!this.listening) throw new Error("emulator is not listening yet");
    return this.listening;
  }

  get url(): string {
    return `${this.origin}${this.basePath}`;
  }

  clearRequests(): void {
    this.requests.length = 0;
    this.abandoned.length = 0;
  }

  untilAbandoned(count = 1): Promise<void> {
    if (this.abandoned.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.abandonWaiters.push({ count, resolve }));
  }

  private noteAbandoned(request: RecordedRequest): void {
    keepLast(this.abandoned, request, this.recording.limit);
    const ready = this.abandonWaiters.filter((waiter) => this.abandoned.length >= waiter.count);
    this.abandonWaiters = this.abandonWaiters.filter((waiter) => !ready.includes(waiter));
    for (const waiter of ready) waiter.resolve();
  }

  inject(fault: Fault): void {
    const pending: PendingFault = { ...fault, remaining: fault.times ?? 1 };
    if (fault.holdUntil !== undefined) {
      let open = () => {};
      pending.barrier = { arrived: 0, opened: new Promise<void>((resolve) => (open = resolve)), open };
    }
    this.faults.push(pending);
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  protected abstract routes(): Route[];

  /** The provider's error envelope. */
  protected abstract errorBody(error: HttpError): unknown;

  /** Returns the error to answer with when the credentials are missing or wrong. */
  protected authenticate(_headers: Record<string, string>): HttpError | undefined {
    return undefined;
  }

  /**
   * Whether a path without the trailing slash its route has is redirected to it (308, query kept), as a
   * Flask service with strict slashes answers. Default false: the path must match as written.
   */
  protected redirectsToTrailingSlash(): boolean {
    return false;
  }

  private slashRedirect(
    method: string,
    path: string,
    relative: string | undefined,
    target: string,
  ): Reply | undefined {
    if (!this.redirectsToTrailingSlash() || path.endsWith("/")) return undefined;
    const match = this.match(method, `${path}/`, relative === undefined ? undefined : `${relative}/`);
    if (match.kind !== "found") return undefined;
    const q = target.indexOf("?");
    const location = `${this.origin}${path}/${q < 0 ? "" : target.slice(q)}`;
    return { status: 308, headers: { location }, contentType: "text/html; charset=utf-8", body: "" };
  }

  /** Headers the provider sends on every answer. */
  protected responseHeaders(): Record<string, string> {
    return {};
  }

  /** Timers that must not outlive the emulator. */
  protected schedule(delayMs: number, task: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      task();
    }, delayMs);
    timer.unref();
    this.timers.add(timer);
  }

  async listen(): Promise<this> {
    this.compiled = this.routes().map((route) => ({ ...route, segments: route.path.split("/") }));
    const server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        // Work cut short by close() (its storage is gone) is not worth a report.
        if (this.server) process.stderr.write(`mediagate sandbox: unexpected error: ${String(err)}\n`);
        if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
        res.end();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, this.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    const { port } = server.address() as AddressInfo;
    const host = this.host.includes(":") ? `[${this.host}]` : this.host;
    this.listening = `http://${host}:${port}`;
    this.ownHosts = new Set([`${host}:${port}`, `localhost:${port}`]);
    this.server = server;
    return this;
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  private relativeRoute(path: string): string | undefined {
    if (this.basePath === "") return path;
    if (path === this.basePath) return "/";
    if (path.startsWith(`${this.basePath}/`)) return path.slice(this.basePath.length);
    return undefined;
  }

  private match(method: string, path: string, route: string | undefined): RouteMatch {
    const allow = new Set<string>();
    for (const candidate of this.compiled) {
      const target = candidate.outsideBasePath ? path : route;
      if (target === undefined) continue;
      const params = this.matchSegments(candidate.segments, target.split("/"));
      if (!params) continue;
      if (candidate.method === method || (method === "HEAD" && candidate.method === "GET")) {
        return { kind: "found", route: candidate, params };
      }
      allow.add(candidate.method);
    }
    return allow.size > 0 ? { kind: "method", allow: [...allow] } : { kind: "none" };
  }

  private matchSegments(pattern: string[], actual: string[]): Record<string, string> | undefined {
    if (pattern.length !== actual.length) return undefined;
    const params: Record<string, string> = {};
    for (let i = 0; i < pattern.length; i++) {
      const want = pattern[i] ?? "";
      const raw = actual[i] ?? "";
      if (want.startsWith(":")) {
        const value = decodeSegment(raw);
        if (!value) return undefined;
        params[want.slice(1)] = value;
      } else if (want !== raw) {
        return undefined;
      }
    }
    return params;
  }

  private takeFault(method: string, route: string): PendingFault | undefined {
    const index = this.faults.findIndex(
      (fault) =>
        (fault.method === undefined || fault.method.toUpperCase() === method) &&
        (fault.route === undefined ||
          (typeof fault.route === "string" ? fault.route === route : fault.route.test(route))),
    );
    const fault = this.faults[index];
    if (!fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.faults.splice(index, 1);
    return fault;
  }

  /**
   * Holds an answer as the fault says: for its delay, or until its barrier opens or its `until` settles (at
   * most the delay, when it has one). Resolves false when the client leaves first: there is nobody left to
   * answer.
   */
  private hold(fault: PendingFault, res: ServerResponse, request: RecordedRequest): Promise<boolean> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      let held = true;
      const end = (stayed: boolean) => {
        if (!held) return;
        held = false;
        clearTimeout(timer);
        res.off("close", left);
        resolve(stayed);
      };
      const left = () => end(false);
      res.once("close", left);
      if (fault.delayMs) timer = setTimeout(() => end(true), fault.delayMs);
      const barrier = fault.barrier;
      if (barrier) {
        barrier.arrived += 1;
        if (barrier.arrived >= (fault.holdUntil ?? 0)) barrier.open();
        barrier.opened.then(() => end(true));
      }
      fault.until?.then(
        () => end(true),
        () => end(true),
      );
      fault.onHold?.(request);
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // A page on another site that learns the port can rebind its own name to 127.0.0.1 and read what the
    // sandbox holds; its requests carry that name as Host, so only the emulator's own names are answered.
    if (!this.ownHosts.has((req.headers.host ?? "").toLowerCase())) {
      res.setHeader("connection", "close");
      this.write(
        res,
        421,
        {},
        JSON.stringify(this.errorBody(new HttpError(421, "this sandbox answers only its own host and port"))),
      );
      req.resume();
      return;
    }
    const method = (req.method ?? "GET").toUpperCase();
    const { path, query } = splitTarget(req.url ?? "/");
    const relative = this.relativeRoute(path);
    const headers = flattenHeaders(req.headers);
    const found = this.match(method, path, relative);
    const authError = found.kind === "found" && !found.route.public ? this.authenticate(headers) : undefined;
    const uploadDir =
      found.kind === "found" && found.route.upload && !authError ? this.storageDir : undefined;

    const counter = { bytes: 0 };
    let body: ReadBody = { recorded: undefined };
    let bodyError: unknown;
    try {
      body = await readBody(
        req,
        counter,
        uploadDir,
        found.kind === "found" ? found.route.maxBodyBytes : undefined,
      );
    } catch (err) {
      bodyError = err;
      body = { recorded: err instanceof InvalidJsonError ? err.text : undefined };
    }
    const recorded: RecordedRequest = {
      method,
      path,
      route: relative ?? path,
      query,
      headers,
      body: this.recording.bodies ? body.recorded : undefined,
      bodyBytes: counter.bytes,
    };
    keepLast(this.requests, recorded, this.recording.limit);
    // The client closing the connection before the whole answer was sent (a cancel, a time limit) is
    // recorded; a connection the emulator closes itself, as a fault, is not.
    let closedHere = false;
    res.once("close", () => {
      if (!res.writableFinished && !closedHere) this.noteAbandoned(recorded);
    });

    const tempPath = body.multipart?.file?.tempPath;
    try {
      if (bodyError !== undefined && !(bodyError instanceof HttpError)) {
        // The client went away mid-body: there is nobody to answer.
        req.socket.destroy();
        return;
      }
      if (!req.complete) {
        // The body was refused part-way; drain it so the answer can be read, then drop the connection.
        res.setHeader("connection", "close");
        req.resume();
      }
      const fault = this.takeFault(method, relative ?? path);
      const extra = { ...this.responseHeaders(), ...(fault?.headers ?? {}) };
      if (fault) {
        if ((fault.barrier || fault.delayMs || fault.until) && !(await this.hold(fault, res, recorded)))
          return;
        if (fault.drop) {
          closedHere = true;
          req.socket.destroy();
          return;
        }
        if (fault.truncated || fault.stalled) {
          // Half of the announced body is sent. Truncated: the connection then closes. Stalled: nothing more
          // is sent, and the connection stays open until the client gives up or close() ends it.
          const id = fault.truncated ? "cut-short" : "stalled";
          const text = fault.body ?? `{"success":true,"status":"success","data":{"id":"${id}"}}`;
          res.writeHead(fault.status ?? 200, {
            "content-type": "application/json",
            "content-length": String(Buffer.byteLength(text)),
            ...extra,
          });
          const half = text.slice(0, Math.floor(text.length / 2));
          if (fault.truncated) {
            closedHere = true;
            res.write(half, () => req.socket.destroy());
          } else {
            res.write(half);
          }
          return;
        }
        if (fault.malformed) {
          this.write(res, fault.status ?? 200, extra, '{"status":"success","success":true,"data":{"id":"tru');
          return;
        }
        if (fault.status !== undefined || fault.body !== undefined) {
          const status = fault.status ?? 200;
          const text =
            fault.body ??
            JSON.stringify(
              this.errorBody(new HttpError(status, `${STATUS_CODES[status] ?? "Error"} (sandbox fault)`)),
            );
          this.write(res, status, extra, text);
          return;
        }
      }
      let reply: Reply;
      try {
        if (bodyError) throw bodyError;
        const slashed =
          found.kind === "none" ? this.slashRedirect(method, path, relative, req.url ?? "") : undefined;
        if (slashed) {
          await this.send(req, res, slashed, extra);
          return;
        }
        if (found.kind === "none") throw new HttpError(404, `no route for ${method} ${path}`);
        if (found.kind === "method") {
          extra.allow = found.allow.join(", ");
          throw new HttpError(405, `method ${method} is not allowed here`);
        }
        if (authError) throw authError;
        reply = await found.route.handle({
          method,
          path,
          route: relative ?? path,
          query,
          headers,
          params: found.params,
          json: body.json,
          ...(body.multipart ? { multipart: body.multipart } : {}),
        });
      } catch (err) {
        if (!(err instanceof HttpError)) throw err;
        reply = { status: err.status, json: this.errorBody(err) };
      }
      await this.send(req, res, reply, extra);
    } finally {
      if (tempPath) await unlink(tempPath).catch(() => {});
    }
  }

  private write(
    res: ServerResponse,
    status: number,
    headers: Record<string, string>,
    body: string | Buffer,
  ): void {
    if (res.destroyed) return;
    res.writeHead(status, {
      "content-type": "application/json",
      "content-length": String(Buffer.byteLength(body)),
      ...headers,
    });
    res.end(body);
  }

  private async send(
    req: IncomingMessage,
    res: ServerResponse,
    reply: Reply,
    extra: Record<string, string>,
  ): Promise<void> {
    const headers: Record<string, string> = { ...extra, ...(reply.headers ?? {}) };
    if (reply.contentType) headers["content-type"] = reply.contentType;
    if (reply.file === undefined) {
      const body = reply.json !== undefined ? JSON.stringify(reply.json) : (reply.body ?? "");
      this.write(res, reply.status ?? 200, headers, body);
      return;
    }
    const { size } = await stat(reply.file);
    headers["content-type"] ??= "application/octet-stream";
    headers["accept-ranges"] = "bytes";
    let start = 0;
    let end = size - 1;
    let status = reply.status ?? 200;
    const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? "");
    if (range && (range[1] || range[2])) {
      if (range[1]) {
        start = Number(range[1]);
        if (range[2]) end = Math.min(Number(range[2]), size - 1);
      } else {
        start = Math.max(0, size - Number(range[2]));
      }
      if (start > end || start >= size) {
        headers["content-range"] = `bytes */${size}`;
        this.write(res, 416, headers, "");
        return;
      }
      status = 206;
      headers["content-range"] = `bytes ${start}-${end}/${size}`;
    }
    headers["content-length"] = String(size === 0 ? 0 : end - start + 1);
    res.writeHead(status, headers);
    if (size === 0 || req.method === "HEAD") {
      res.end();
      return;
    }
    await pipeline(createReadStream(reply.file, { start, end }), res).catch(() => {
      // The player closed the connection early: normal for media.
    });
  }
}
