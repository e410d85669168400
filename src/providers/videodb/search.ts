import { z } from "zod";
import { MediagateError } from "../../errors.js";
import { describeJob, type Job, jobSchema } from "../../jobs/job.js";
import { startedJob, waitSeconds, waitWithin } from "../../jobs/wait.js";
import { sendEndpoint } from "../../tools/execute.js";
import { defineProcedure, type Endpoint } from "../../tools/operation.js";
import { asArray, asNumber, asRecord, asString, compact } from "../envelope.js";
import { encodeJobRef } from "./job-refs.js";
import { transcriptResult, transcriptSchema } from "./results.js";
import { callbackUrl, collectionId, videoId } from "./schemas.js";
import { startedFrom, waitLeft } from "./started.js";

const docs = "https://docs.videodb.io/api-reference";

/**
 * `POST /video/{video_id}/index/` with `index_type: "spoken_word"`, as video-db/videodb-python
 * `videodb/video.py` `index_spoken_words` sends it. Never repeated: indexing is billed.
 */
const indexVideo: Endpoint = {
  provider: "videodb",
  route: "POST /video/{video_id}/index/",
  fixed: { index_type: "spoken_word" },
  local: ["wait_s"],
  envelope: false,
};

export const indexSpokenWords = defineProcedure({
  name: "videodb_index_spoken_words",
  title: "Index a video's spoken words",
  description: "Index what a video says, for videodb_search (spends credits). Returns a job.",
  toolset: "videodb",
  see: `${docs}/video/index_spoken_words`,
  input: z.object({
    video_id: videoId,
    language_code: z
      .string()
      .refine((value) => /^[a-z]{2,3}([_-][a-z]{2,4})?$/i.test(value), {
        error: 'must be a language code such as "en" or "en_us"',
      })
      .optional()
      .describe("Language; default en_us"),
    segmentation_type: z.enum(["sentence", "llm"]).optional().describe("Default sentence"),
    force: z.boolean().optional().describe("Index again"),
    callback_url: callbackUrl,
    wait_s: waitSeconds,
  }),
  output: z.object({ job: jobSchema }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  startsJob: true,
  run: async (input, context) => {
    let job: Job;
    try {
      const answer = asRecord(await sendEndpoint(indexVideo, input, context));
      const data = asRecord(answer.data);
      job =
        asString(data.output_url) || asString(data.id)
          ? startedFrom(data, "index", input.video_id, context)
          : indexedJob(input.video_id);
    } catch (error) {
      // Python's SDK documents "InvalidRequestError: If the video is already indexed": for the agent that
      // is the goal reached, not a failure.
      if (error instanceof MediagateError && /already\s+(been\s+)?indexed/i.test(error.message)) {
        job = indexedJob(input.video_id);
      } else {
        throw error;
      }
    }
    return { job: await waitWithin(job, waitLeft(input.wait_s, context), context) };
  },
  summary: (result) => describeJob(result.job),
});

/** A video VideoDB answered is indexed already: the job is done. */
function indexedJob(video: string): Job {
  const { poll_after_ms: _none, ...job } = startedJob(
    "videodb",
    encodeJobRef("indexed", video),
    "spoken_word_index",
  );
  return { ...job, status: "done", progress: 100, result: { video_id: video, indexed: true } };
}

const searchVideo: Endpoint = {
  provider: "videodb",
  route: "POST /video/{video_id}/search/",
  safeToRetry: true,
};
const searchCollection: Endpoint = {
  provider: "videodb",
  route: "POST /collection/{collection_id}/search/",
  safeToRetry: true,
};

/**
 * `POST /compile/` with one entry per shot, as video-db/videodb-python `videodb/search.py`
 * `SearchResult.compile` sends it: `[{video_id, collection_id, shots: [[start, end]]}]`. `openapi.yaml`
 * shows `{inputs: [{media_id, start_time, end_time}]}`; the SDK code wins. The same shots give the same
 * stream: safe to repeat.
 */
const compile: Endpoint<{ entries: unknown[] }> = {
  provider: "videodb",
  route: "POST /compile/",
  safeToRetry: true,
  request: (input) => ({ body: input.entries }),
};

const shotSchema = z.object({
  video_id: z.string(),
  start: z.number().describe("Seconds"),
  end: z.number().describe("Seconds"),
  text: z.string(),
  score: z.number().optional(),
});
type Shot = z.infer<typeof shotSchema> & { collection_id?: string };

/**
 * The shots of a search answer. The SDK reads `results[]` as videos with their `docs`
 * (video-db/videodb-python `videodb/search.py` `SearchResult._format_results`); `openapi.yaml` shows flat
 * results with `video_id`, `start`, `end`: the code wins, and both are read.
 */
function shotsOf(data: unknown): Shot[] {
  const shots: Shot[] = [];
  for (const value of asArray(asRecord(data).results)) {
    const result = asRecord(value);
    const video = asString(result.video_id) ?? "";
    const collection = asString(result.collection_id);
    // A shot reaching past its video's end (rounding) is cut there, so a compiled stream never asks for more.
    const length = asNumber(result.length) ?? Number.POSITIVE_INFINITY;
    const docs = Array.isArray(result.docs) ? result.docs : [result];
    for (const doc of docs) {
      const shot = asRecord(doc);
      const start = Math.max(0, asNumber(shot.start) ?? Number.NaN);
      const end = Math.min(length, asNumber(shot.end) ?? Number.NaN);
      if (!(start < end)) continue;
      shots.push({
        video_id: asString(shot.video_id) ?? video,
        start,
        end,
        text: typeof shot.text === "string" ? shot.text : "",
        ...compact({ score: asNumber(shot.score), collection_id: collection }),
      });
    }
  }
  return shots;
}

/** VideoDB's refusal of a search over words not indexed, said so the agent knows the next call. */
function notIndexed(error: unknown, videoIdGiven: string | undefined): unknown {
  if (!(error instanceof MediagateError)) return error;
  const said = `${error.providerMessage ?? ""} ${error.message}`;
  if (!["rejected", "not_found", "conflict"].includes(error.kind) || !/index/i.test(said)) return error;
  const what = videoIdGiven ? `video ${videoIdGiven}` : "the collection";
  return new MediagateError(error.kind, `the spoken words of ${what} are not indexed`, {
    provider: "VideoDB",
    ...(error.status === undefined ? {} : { status: error.status }),
    providerMessage: error.providerMessage ?? error.message,
    remedy: `The spoken words of ${what} are not indexed: call videodb_index_spoken_words${videoIdGiven ? ` with video_id "${videoIdGiven}"` : " for each video"}, wait for its job, then search again.`,
  });
}

export const search = defineProcedure({
  name: "videodb_search",
  title: "Search what is said in videos",
  description: "Where something is said in indexed videos: the shots, and one HLS stream of them.",
  toolset: "videodb",
  see: `${docs}/video/search`,
  input: z
    .object({
      query: z
        .string()
        .refine((value) => value.trim() !== "", { error: "must not be empty" })
        .describe("Words or topic"),
      video_id: videoId.optional().describe("Video id m-…; omit for the collection"),
      collection_id: collectionId,
      search_type: z
        .enum(["semantic", "keyword"])
        .default("semantic")
        .describe("Default semantic; keyword needs video_id"),
      result_threshold: z.int().min(1).max(50).default(5).describe("Max shots, 1-50; default 5"),
      score_threshold: z.number().min(0).max(1).default(0.2).describe("Min score, 0-1; default 0.2"),
      compile: z.boolean().default(true).describe("Compile one stream; default true"),
    })
    .refine((input) => input.search_type === "semantic" || input.video_id !== undefined, {
      // The SDK has no keyword search over a collection (videodb/search.py `KeywordSearch`).
      error: "keyword search needs a video_id",
      path: ["search_type"],
    }),
  output: z.object({
    shots: z.array(shotSchema),
    stream_url: z.string().optional().describe("HLS stream of every shot, in order"),
    player_url: z.string().optional(),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  ui: "player",
  media: "video",
  run: async (input, context) => {
    const deadline = Date.now() + context.client("videodb").budgetMs;
    const body = {
      query: input.query,
      search_type: input.search_type,
      index_type: "spoken_word",
      result_threshold: input.result_threshold,
      score_threshold: input.score_threshold,
    };
    let data: unknown;
    try {
      data = input.video_id
        ? await sendEndpoint(searchVideo, { video_id: input.video_id, ...body }, context, { deadline })
        : await sendEndpoint(searchCollection, { collection_id: input.collection_id, ...body }, context, {
            deadline,
          });
    } catch (error) {
      throw notIndexed(error, input.video_id);
    }
    const found = shotsOf(data);
    const shots = found.map(({ collection_id: _in, ...shot }) => shot);
    if (!input.compile || found.length === 0) return { shots };
    const entries = found.map((shot) => ({
      video_id: shot.video_id,
      collection_id: shot.collection_id ?? input.collection_id,
      shots: [[shot.start, shot.end]],
    }));
    const compiled = asRecord(await sendEndpoint(compile, { entries }, context, { deadline }));
    return {
      shots,
      ...compact({ stream_url: asString(compiled.stream_url), player_url: asString(compiled.player_url) }),
    };
  },
  summary: (result) =>
    result.shots.length === 0
      ? "No moment matched; try other words or a lower score_threshold."
      : `${result.shots.length} shot(s)${result.stream_url ? `; stream: ${result.stream_url}` : ""}`,
});

/** `GET /video/{video_id}/transcription/`; its answer is read whole, since a running transcription is a job. */
const transcription: Endpoint = {
  provider: "videodb",
  route: "GET /video/{video_id}/transcription/",
  local: ["wait_s"],
  envelope: false,
};

export const getTranscript = defineProcedure({
  name: "videodb_get_transcript",
  title: "Get a video's transcript",
  description:
    "Timed transcript, ~20,000 characters at most; if truncated, call again from start: next_start.",
  toolset: "videodb",
  see: `${docs}/video/get_transcript`,
  input: z
    .object({
      video_id: videoId,
      start: z.number().optional().describe("From second"),
      end: z.number().optional().describe("To second"),
      segmenter: z.enum(["word", "sentence", "time"]).default("sentence").describe("Default sentence"),
      length: z.int().min(1).optional().describe("Seconds per time segment, 1+"),
      wait_s: waitSeconds,
    })
    .refine((input) => (input.start ?? 0) >= 0 && (input.end ?? 0) >= 0, {
      error: "start and end are seconds, 0 or more",
      path: ["start"],
    })
    .refine((input) => input.start === undefined || input.end === undefined || input.start < input.end, {
      error: "start must be less than end",
      path: ["start"],
    }),
  output: transcriptSchema.partial({ text: true, segments: true }).extend({
    job: jobSchema.optional().describe("While VideoDB is still transcribing"),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  run: async (input, context) => {
    const answer = asRecord(await sendEndpoint(transcription, input, context));
    const data = asRecord(answer.data);
    if (asString(answer.status) !== "processing" && !asString(data.output_url)) {
      return transcriptResult(input.video_id, answer.data);
    }
    const started = startedFrom(data, "transcript", input.video_id, context);
    const job = await waitWithin(started, waitLeft(input.wait_s, context), context);
    if (job.status === "done" && job.result) return job.result as z.infer<typeof transcriptSchema>;
    return { video_id: input.video_id, job };
  },
  summary: (result) =>
    result.job
      ? describeJob(result.job)
      : `Transcript of ${result.video_id}: ${result.segments?.length ?? 0} segment(s)${result.truncated ? `, truncated; continue from start ${result.next_start}` : ""}.`,
});
