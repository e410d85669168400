import { randomBytes } from "node:crypto";
import { isIP } from "node:net";
import { Readable } from "node:stream";
import { cancelledError, MediagateError } from "../../errors.js";
import type { ToolContext } from "../../tools/operation.js";
import type { PartSource } from "../aioz/upload-source.js";

/** Nothing moving for this long (no byte taken by the socket, no answer) ends the upload as a timeout. */
const stallMs = 60_000;

const loopbackHosts = new Set(["localhost", "127.0.0.1", "::1", "[::1]"]);

function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "");
  return loopbackHosts.has(hostname) || (isIP(host) === 4 && host.startsWith("127."));
}

/**
 * The signed URL VideoDB hands out for the file, checked before a byte goes there: https, since the file
 * and the URL's signature travel in it; plain http only to loopback while VideoDB's own API is on
 * loopback too (the sandbox, a local emulator), never against the real service.
 */
export function checkUploadUrl(text: string, apiBaseUrl: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new MediagateError("bad_response", "answered with an upload_url that is not a URL", {
      provider: "VideoDB",
      remedy: "Nothing was uploaded or created; try again.",
    });
  }
  const api = new URL(apiBaseUrl);
  const local = url.protocol === "http:" && isLoopback(url.hostname) && isLoopback(api.hostname);
  if (url.protocol !== "https:" && !local) {
    throw new MediagateError(
      "bad_response",
      `answered with an upload_url on ${url.protocol.replace(/:$/, "")}://${url.host}, not https: mediagate sends no file there`,
      { provider: "VideoDB", remedy: "Nothing was uploaded or created; check VIDEODB_BASE_URL." },
    );
  }
  return url;
}

/** The file as multipart/form-data with the one field `file`, as video-db/videodb-python `_upload.py` posts it. */
function multipartFile(source: PartSource, filename: string) {
  const boundary = `mediagate-${randomBytes(12).toString("hex")}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${encodeURIComponent(filename)}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    length: head.length + source.total + tail.length,
    head,
    tail,
  };
}

/**
 * Streams a local file to VideoDB's signed upload URL: read from disk block by block as the socket takes
 * it (no more of the file in memory than the reader's few blocks), with no VideoDB credential (the URL is
 * another origin and carries its own signature), progress in bytes, stopped at once by a cancel. Not
 * retried: the file is sent once, and a failure says nothing was added to the collection.
 */
export async function sendToUploadUrl(
  url: URL,
  source: PartSource,
  filename: string,
  context: ToolContext,
): Promise<void> {
  const form = multipartFile(source, filename);
  const part = source.part(1, source.total);
  const step = Math.max(1024 * 1024, Math.ceil(source.total / 100));
  const stop = new AbortController();
  let lastMove = Date.now();
  const watchdog = setInterval(() => {
    if (Date.now() - lastMove > stallMs) stop.abort(new DOMException("stalled", "TimeoutError"));
  }, 1000);
  watchdog.unref();
  const onCancel = () => stop.abort(context.signal.reason);
  context.signal.addEventListener("abort", onCancel, { once: true });
  let sent = 0;
  let reported = 0;
  async function* body(): AsyncGenerator<Uint8Array> {
    yield form.head;
    for await (const chunk of part.bytes()) {
      yield chunk;
      sent += chunk.byteLength;
      lastMove = Date.now();
      if (sent - reported >= step || sent === source.total) {
        reported = sent;
        await context.progress(
          sent,
          source.total,
          `${(sent / 1024 / 1024).toFixed(1)} of ${(source.total / 1024 / 1024).toFixed(1)} MiB uploaded`,
        );
      }
    }
    yield form.tail;
  }
  const { request } = await import("undici");
  try {
    if (context.signal.aborted) throw cancelledError("the upload was stopped");
    const response = await request(url, {
      method: "POST",
      headers: { "content-type": form.contentType, "content-length": String(form.length) },
      body: Readable.from(body(), { objectMode: false }),
      signal: stop.signal,
      // The watchdog above bounds both: a long upload is no timeout while its bytes keep moving.
      headersTimeout: 0,
      bodyTimeout: stallMs,
    });
    lastMove = Date.now();
    const text = (await response.body.text()).slice(0, 300);
    if (response.statusCode < 200 || response.statusCode >= 300) {
      throw new MediagateError("rejected", `the upload storage answered HTTP ${response.statusCode}`, {
        provider: "VideoDB",
        status: response.statusCode,
        providerMessage: text.replace(/\s+/g, " ").trim() || "(empty answer)",
        remedy: "Nothing was added to the collection; call videodb_upload again.",
      });
    }
  } catch (error) {
    if (error instanceof MediagateError) throw error;
    if (context.signal.aborted) {
      throw cancelledError(
        `the upload was stopped after ${sent} of ${source.total} bytes; nothing was added to the collection`,
        "VideoDB",
      );
    }
    const stalled = stop.signal.aborted;
    throw new MediagateError(
      stalled ? "timeout" : "network",
      stalled
        ? `the upload stalled after ${sent} of ${source.total} bytes (nothing moved for ${stallMs / 1000} s)`
        : `the upload to ${url.host} broke off after ${sent} of ${source.total} bytes`,
      {
        provider: "VideoDB",
        remedy: "Nothing was added to the collection; check the network and call videodb_upload again.",
        cause: error,
      },
    );
  } finally {
    clearInterval(watchdog);
    context.signal.removeEventListener("abort", onCancel);
  }
}
