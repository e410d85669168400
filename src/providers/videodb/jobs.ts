import { MediagateError } from "../../errors.js";
import { type Job, jobId } from "../../jobs/job.js";
import { sendEndpoint } from "../../tools/execute.js";
import type { Endpoint, JobSource } from "../../tools/operation.js";
import { asNumber, asRecord, asString, compact } from "../envelope.js";
import { decodeJobRef, jobKinds } from "./job-refs.js";
import { finishedResult } from "./job-results.js";
import { toVideo } from "./schemas.js";

/**
 * The statuses that mean "still running"; any other is final. Source: video-db/videodb-python
 * `videodb/_constants.py` (`Status.processing`, `Status.in_progress`) as read by
 * `videodb/_utils/_http_client.py` `_get_output`; video-db/videodb-node `src/constants.ts`
 * (`ResponseStatus`, which also names the final `success` and `complete`).
 */
const runningStatuses = new Set(["processing", "in progress"]);

const asyncRoute = /^\/async-response\/([^/?#]+)$/;

/**
 * The remote id of a job from VideoDB's asynchronous answer `{id?, output_url}`. The official clients
 * never read `data.id`: they poll `data.output_url` (video-db/videodb-python
 * `videodb/_utils/_http_client.py` `_parse_response`; video-db/videodb-node `src/utils/httpClient.ts`
 * `#makeRequest`). An answer with `id` keeps it (`videodb:job-123`); one without takes the job from
 * `output_url`, only when that URL is `{base URL}/async-response/{job}` (same origin and path prefix, as
 * `openapi.yaml` shows it), since polling sends the API key. The remote id is then the one `{job}`
 * segment, so any instance can poll it with nothing but the job id, and no job id can name another route.
 */
export function remoteJobId(data: unknown, baseUrl: string): string {
  const record = asRecord(data);
  const id = asString(record.id);
  const outputUrl = asString(record.output_url);
  if (outputUrl === undefined) {
    if (id) return id;
    throw new MediagateError("bad_response", "answered without a job id or output_url", {
      provider: "VideoDB",
      remedy:
        "The generation may have started: check the collection's videos before calling again, and check VIDEODB_BASE_URL points at VideoDB's API.",
    });
  }
  const relative = relativeToBase(outputUrl, baseUrl);
  if (relative === undefined) {
    if (id) return id;
    let origin = "an unreadable address";
    try {
      origin = new URL(outputUrl).origin;
    } catch {
      // The message says the address could not be read.
    }
    throw new MediagateError(
      "bad_response",
      `answered with an output_url on ${origin}, outside ${baseUrl}: mediagate sends the API key nowhere else, so it cannot poll this job`,
      {
        provider: "VideoDB",
        remedy:
          "The generation may have started: check the collection's videos before calling again. If VideoDB's API moved, set VIDEODB_BASE_URL to its address.",
      },
    );
  }
  const asyncId = asyncRoute.exec(relative)?.[1];
  if (asyncId !== undefined) {
    try {
      return decodeURIComponent(asyncId);
    } catch {
      // Reported below as an address mediagate cannot poll.
    }
  }
  if (id) return id;
  throw new MediagateError(
    "bad_response",
    "answered with an output_url that is not {base URL}/async-response/{job}, so mediagate cannot poll it",
    {
      provider: "VideoDB",
      remedy: "The generation may have started: check the collection's videos before calling again.",
    },
  );
}

/** `url` as a path (with its query) below `baseUrl`, or undefined when it lies elsewhere. */
function relativeToBase(url: string, baseUrl: string): string | undefined {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return undefined;
  }
  const base = new URL(baseUrl);
  if (target.origin !== base.origin || target.username !== "" || target.password !== "") return undefined;
  const prefix = base.pathname.replace(/\/+$/, "");
  if (!target.pathname.startsWith(`${prefix}/`)) return undefined;
  const path = target.pathname.slice(prefix.length);
  if (path.split("/").some((segment) => /^(\.|%2e){1,2}$/i.test(segment))) return undefined;
  return `${path}${target.search}`;
}

/**
 * VideoDB's asynchronous answers, polled with the same auth on the configured base URL only. The job id
 * carries only the remote id, so no URL from an answer ever receives the API key.
 */
const asyncResponse: Endpoint<{ job_id: string }> = {
  provider: "videodb",
  route: "GET /async-response/{job_id}",
  // The job's status is beside its data, in the envelope.
  envelope: false,
};

export const videodbJobs: JobSource = {
  kind: "video_generation",
  minPollIntervalMs: 1000,
  async poll(remoteId, context) {
    // The id says what the job does and what its result needs (see job-refs.ts).
    const ref = decodeJobRef(remoteId);
    const id = jobId("videodb", remoteId);
    const kind = ref.kind === "video" ? "video_generation" : jobKinds[ref.kind];
    const base: Job = { id, provider: "videodb", kind, status: "processing" };
    if (ref.kind === "media" || ref.kind === "indexed") {
      return {
        ...base,
        status: "done",
        progress: 100,
        result: await finishedResult(ref, undefined, context),
      };
    }
    const asyncId = ref.fields.at(-1) ?? remoteId;
    const body = asRecord(await sendEndpoint(asyncResponse, { job_id: asyncId }, context));
    const status = (asString(body.status) ?? "").toLowerCase();
    if (runningStatuses.has(status)) {
      const progress = asNumber(asRecord(body.data).percentage);
      return {
        ...base,
        ...(progress === undefined ? {} : { progress: Math.max(0, Math.min(100, progress)) }),
        poll_after_ms: 5000,
      };
    }
    // Final: decided by `success`, read from the `response` wrapper when there is one
    // (video-db/videodb-python `videodb/_utils/_http_client.py` `_get_output`:
    // `response_json.get("response") or response_json`, then `if response_json.get("success")`), and never
    // a success when the outer answer says it failed (video-db/videodb-node `src/utils/httpClient.ts`).
    const wrapper =
      "response" in body && asRecord(body.response) === body.response ? asRecord(body.response) : body;
    const data = wrapper.data;
    if (wrapper.success !== true || body.success === false) {
      const reason =
        asString(wrapper.message) ?? asString(body.message) ?? asString(asRecord(data).error) ?? status;
      return { ...base, status: "failed", error: reason || "VideoDB reported the job failed" };
    }
    if (ref.kind !== "video") {
      return { ...base, status: "done", progress: 100, result: await finishedResult(ref, data, context) };
    }
    const video = toVideo(data);
    return {
      ...base,
      status: "done",
      progress: 100,
      result: {
        video_id: video.id,
        ...video,
        ...compact({ collection_id: asString(asRecord(data).collection_id) }),
      },
    };
  },
};
