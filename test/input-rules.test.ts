import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, it } from "node:test";
import type { RecordedRequest } from "../src/sandbox/index.js";
import { testBasePaths } from "./helpers/harness.js";
import { inProcessForFile } from "./helpers/in-process.js";
import { failed, routesOf } from "./helpers/outcome.js";

const h = inProcessForFile({ sandbox: { jobDurationMs: 100 } });

function allRequests(): RecordedRequest[] {
  return [...h.sandbox.videodb.requests, ...h.sandbox.aioz.requests, ...h.sandbox.aistudios.requests];
}

interface Rule {
  /** What is refused, as a specification. */
  name: string;
  tool: string;
  args: Record<string, unknown>;
  /** The field the message must name. */
  field: RegExp;
  /** The rule the message must state. */
  rule: RegExp;
}

const video = "m-5a1f0c9e3b7d2468";
const audio = "a-7d2e4b9f1c6a3058";
const aiozAudio = "4f6b2c1e-9d3a-4e7b-8c5f-0a1b2c3d4e5f";

const goodQuality = {
  resolution: "standard",
  type: "hls",
  container_type: "mpegts",
  audio_config: { codec: "aac", bitrate: 128000, channels: "2", sample_rate: 44100 },
};
function withQuality(change: Record<string, unknown>, config: Record<string, unknown> = {}) {
  return {
    title: "Rules",
    qualities: [{ ...goodQuality, ...change, audio_config: { ...goodQuality.audio_config, ...config } }],
  };
}

const rules: Rule[] = [
  // VideoDB
  {
    name: "a video id that does not start with m-",
    tool: "videodb_generate_stream",
    args: { video_id: "v-123" },
    field: /video_id/,
    rule: /"m-"/,
  },
  {
    name: "an audio id that does not start with a-",
    tool: "videodb_generate_audio_url",
    args: { audio_id: "m-123" },
    field: /audio_id/,
    rule: /"a-"/,
  },
  {
    name: "a timeline segment with a negative start",
    tool: "videodb_generate_stream",
    args: { video_id: video, timeline: [[-1, 5]] },
    field: /timeline/,
    rule: /expected number to be >=0/,
  },
  {
    name: "a timeline segment whose start equals its end",
    tool: "videodb_generate_stream",
    args: { video_id: video, timeline: [[5, 5]] },
    field: /timeline\[0\]/,
    rule: /start < end/,
  },
  {
    name: "a timeline segment whose end comes before its start",
    tool: "videodb_generate_stream",
    args: {
      video_id: video,
      timeline: [
        [0, 10],
        [30, 20],
      ],
    },
    field: /timeline\[1\]/,
    rule: /start < end/,
  },
  {
    name: "a timeline segment that is not a [start, end] pair",
    tool: "videodb_generate_stream",
    args: { video_id: video, timeline: [[1, 2, 3]] },
    field: /timeline\[0\]/,
    rule: /expected array to have exactly 2 items/,
  },
  {
    name: "an empty timeline",
    tool: "videodb_generate_stream",
    args: { video_id: video, timeline: [] },
    field: /timeline/,
    rule: /expected array to have >=1 items/,
  },
  {
    name: "a stream format outside mp4, webm, hls",
    tool: "videodb_generate_stream",
    args: { video_id: video, format: "avi" },
    field: /format/,
    rule: /mp4.*webm.*hls/,
  },
  {
    name: "an audio format outside mp3, wav, flac",
    tool: "videodb_generate_audio_url",
    args: { audio_id: audio, format: "ogg" },
    field: /format/,
    rule: /mp3.*wav.*flac/,
  },
  {
    name: "a generation duration below 5 seconds",
    tool: "videodb_generate_video",
    args: { prompt: "A cat", duration: 4 },
    field: /duration/,
    rule: /5 to 8/,
  },
  {
    name: "a generation duration above 8 seconds",
    tool: "videodb_generate_video",
    args: { prompt: "A cat", duration: 9 },
    field: /duration/,
    rule: /5 to 8/,
  },
  {
    name: "a generation duration that is not an integer",
    tool: "videodb_generate_video",
    args: { prompt: "A cat", duration: 5.5 },
    field: /duration/,
    rule: /integer/,
  },
  {
    name: "an empty prompt",
    tool: "videodb_generate_video",
    args: { prompt: "   " },
    field: /prompt/,
    rule: /must not be empty/,
  },
  {
    name: "a callback_url that is not http(s)",
    tool: "videodb_generate_video",
    args: { prompt: "A cat", callback_url: "ftp://example.com/hook" },
    field: /callback_url/,
    rule: /http\(s\) URL/,
  },
  {
    name: "a callback_url that is not a URL",
    tool: "videodb_generate_video",
    args: { prompt: "A cat", callback_url: "javascript:alert(1)" },
    field: /callback_url/,
    rule: /http\(s\) URL/,
  },
  {
    name: "a collection id that is ..",
    tool: "videodb_generate_video",
    args: { collection_id: "..", prompt: "A cat", wait_s: 0 },
    field: /collection_id/,
    rule: /"\.\."/,
  },
  {
    name: "a collection id with a slash",
    tool: "videodb_generate_video",
    args: { collection_id: "default/../x", prompt: "A cat", wait_s: 0 },
    field: /collection_id/,
    rule: /without \/ \? or #/,
  },
  // AIOZ Stream
  {
    name: "a quality resolution outside standard, good, highest, lossless",
    tool: "aioz_create_audio",
    args: withQuality({ resolution: "ultra" }),
    field: /qualities\[0\]\.resolution/,
    rule: /standard.*good.*highest.*lossless/,
  },
  {
    name: "a quality type outside hls, dash",
    tool: "aioz_create_audio",
    args: withQuality({ type: "mp4" }),
    field: /qualities\[0\]\.type/,
    rule: /hls.*dash/,
  },
  {
    name: "an hls quality with the dash container fmp4",
    tool: "aioz_create_audio",
    args: withQuality({ type: "hls", container_type: "fmp4" }),
    field: /qualities\[0\]\.container_type/,
    rule: /must match type/,
  },
  {
    name: "a dash quality with the hls container mpegts",
    tool: "aioz_create_audio",
    args: withQuality({ type: "dash", container_type: "mpegts" }),
    field: /qualities\[0\]\.container_type/,
    rule: /must match type/,
  },
  {
    name: "a codec other than aac",
    tool: "aioz_create_audio",
    args: withQuality({}, { codec: "mp3" }),
    field: /qualities\[0\]\.audio_config\.codec/,
    rule: /expected "aac"/,
  },
  {
    name: 'channels other than "2"',
    tool: "aioz_create_audio",
    args: withQuality({}, { channels: "1" }),
    field: /qualities\[0\]\.audio_config\.channels/,
    rule: /expected "2"/,
  },
  {
    name: "a sample rate outside the documented list",
    tool: "aioz_create_audio",
    args: withQuality({}, { sample_rate: 44000 }),
    field: /qualities\[0\]\.audio_config\.sample_rate/,
    rule: /one of 8000\|11025\|16000\|22050\|32000\|44100\|48000\|88200\|96000/,
  },
  {
    name: "a bitrate of zero",
    tool: "aioz_create_audio",
    args: withQuality({}, { bitrate: 0 }),
    field: /qualities\[0\]\.audio_config\.bitrate/,
    rule: /expected number to be >0/,
  },
  {
    name: "a bitrate that is not an integer",
    tool: "aioz_create_audio",
    args: withQuality({}, { bitrate: 128000.5 }),
    field: /qualities\[0\]\.audio_config\.bitrate/,
    rule: /expected int\b/,
  },
  {
    name: "an empty title",
    tool: "aioz_create_audio",
    args: { title: " " },
    field: /title/,
    rule: /must not be empty/,
  },
  {
    name: "a list limit of 0",
    tool: "aioz_list_audio",
    args: { limit: 0 },
    field: /limit/,
    rule: /expected number to be >=1/,
  },
  {
    name: "a list limit above 100",
    tool: "aioz_list_audio",
    args: { limit: 101 },
    field: /limit/,
    rule: /expected number to be <=100/,
  },
  {
    name: "a sort_by outside created_at, updated_at, title, size",
    tool: "aioz_list_audio",
    args: { sort_by: "duration" },
    field: /sort_by/,
    rule: /created_at.*updated_at.*title.*size/,
  },
  {
    name: "an order_by outside asc, desc",
    tool: "aioz_list_audio",
    args: { order_by: "up" },
    field: /order_by/,
    rule: /asc.*desc/,
  },
  {
    name: "a status outside new, transcoding, done, fail, deleted",
    tool: "aioz_list_audio",
    args: { status: ["ready"] },
    field: /status/,
    rule: /new.*transcoding.*done.*fail.*deleted/,
  },
  {
    name: "a cost estimate for an unknown quality preset",
    tool: "aioz_estimate_transcode_cost",
    args: { qualities: ["good", "ultra"], duration: 60 },
    field: /qualities\[1\]/,
    rule: /standard.*good.*highest.*lossless/,
  },
  {
    name: "a cost estimate for a duration of zero",
    tool: "aioz_estimate_transcode_cost",
    args: { qualities: ["good"], duration: 0 },
    field: /duration/,
    rule: /expected number to be >0/,
  },
  {
    name: "a part size above 200 MB",
    tool: "aioz_upload_audio_part",
    args: { audio_id: aiozAudio, file_path: "x.wav", index: 1, chunk_size_bytes: 200_000_001 },
    field: /chunk_size_bytes/,
    rule: /200000000/,
  },
  {
    name: "a part index of 0 (parts are numbered from 1)",
    tool: "aioz_upload_audio_part",
    args: { audio_id: aiozAudio, file_path: "x.wav", index: 0 },
    field: /index/,
    rule: />=\s*1/,
  },
  {
    name: "an upload with neither file_path nor url",
    tool: "aioz_upload_audio",
    args: { title: "No file" },
    field: /file_path/,
    rule: /exactly one of file_path and url/,
  },
  // AI Studios
  {
    name: "an empty text",
    tool: "aistudios_export_audio",
    args: { language: "en", text: "", model: "M000045058" },
    field: /text/,
    rule: /must not be empty/,
  },
  {
    name: "a text of only spaces",
    tool: "aistudios_export_audio",
    args: { language: "en", text: "   ", model: "M000045058" },
    field: /text/,
    rule: /must not be empty/,
  },
  {
    name: "a language that is not a BCP 47 tag",
    tool: "aistudios_export_audio",
    args: { language: "english", text: "Hello", model: "M000045058" },
    field: /language/,
    rule: /BCP 47/,
  },
  {
    name: "a language with an underscore",
    tool: "aistudios_export_audio",
    args: { language: "en_US", text: "Hello", model: "M000045058" },
    field: /language/,
    rule: /BCP 47/,
  },
  {
    name: "a model id with a path in it",
    tool: "aistudios_export_audio",
    args: { language: "en", text: "Hello", model: "../M000045058" },
    field: /model/,
    rule: /model id/,
  },
  {
    name: "a presenter video without clothes",
    tool: "aistudios_generate_video",
    args: { language: "en", text: "Hello", model: "M000045058" },
    field: /clothes/,
    rule: /expected string, received undefined/,
  },
  {
    name: "a presenter video in a resolution AI Studios does not render",
    tool: "aistudios_generate_video",
    args: { language: "en", text: "Hello", model: "M000045058", clothes: "BG00002320", resolution: "1440" },
    field: /resolution/,
    rule: /"480"\|"720"\|"1080"\|"4k"/,
  },
  {
    name: "a resolution given as a number",
    tool: "aistudios_generate_video",
    args: { language: "en", text: "Hello", model: "M000045058", clothes: "BG00002320", resolution: 1080 },
    field: /resolution/,
    rule: /"480"\|"720"\|"1080"\|"4k"/,
  },
  {
    name: "a clothes id with a path in it",
    tool: "aistudios_generate_video",
    args: { language: "en", text: "Hello", model: "M000045058", clothes: "../1" },
    field: /clothes/,
    rule: /clothes id/,
  },
  {
    name: "a presenter video of an empty script",
    tool: "aistudios_generate_video",
    args: { language: "en", text: " \n ", model: "M000045058", clothes: "BG00002320" },
    field: /text/,
    rule: /must not be empty/,
  },
  {
    name: "a webhook_url that is not http(s)",
    tool: "aistudios_generate_video",
    args: {
      language: "en",
      text: "Hello",
      model: "M000045058",
      clothes: "BG00002320",
      webhook_url: "ftp://example.com/x",
    },
    field: /webhook_url/,
    rule: /http\(s\) URL/,
  },
  {
    name: "a presenter video waiting longer than 55 seconds",
    tool: "aistudios_generate_video",
    args: { language: "en", text: "Hello", model: "M000045058", clothes: "BG00002320", wait_s: 120 },
    field: /wait_s/,
    rule: /expected number to be <=55/,
  },
  {
    name: "an AI Studios job id whose remote id is ..",
    tool: "job_status",
    args: { job_id: "aistudios:.." },
    field: /job_id/,
    rule: /"\.\."/,
  },
  // Jobs
  {
    name: "a job id without a provider",
    tool: "job_status",
    args: { job_id: "job-123" },
    field: /job_id/,
    rule: /videodb:job-123/,
  },
  {
    name: "a job id of an unknown provider",
    tool: "job_wait",
    args: { job_id: "youtube:abc" },
    field: /job_id/,
    rule: /videodb:job-123/,
  },
  {
    name: "a VideoDB job id whose remote id is ..",
    tool: "job_status",
    args: { job_id: "videodb:.." },
    field: /job_id/,
    rule: /"\.\."/,
  },
  {
    name: "an AIOZ job id whose remote id is .",
    tool: "job_status",
    args: { job_id: "aioz:." },
    field: /job_id/,
    rule: /"\."/,
  },
  {
    name: "a job_wait timeout above 55 seconds",
    tool: "job_wait",
    args: { job_id: "videodb:job-1", timeout_s: 56 },
    field: /timeout_s/,
    rule: /expected number to be <=55/,
  },
  {
    name: "a wait_s above 55 seconds",
    tool: "videodb_generate_video",
    args: { prompt: "A cat", wait_s: 60 },
    field: /wait_s/,
    rule: /expected number to be <=55/,
  },
];

describe("input rules: rejected with the field and the rule, before any request", () => {
  for (const rule of rules) {
    it(`rejects ${rule.name} (${rule.tool})`, async () => {
      const outcome = await h.call(rule.tool, rule.args);
      failed(outcome, rule.field, rule.rule);
      assert.equal(allRequests().length, 0, `requests sent: ${routesOf(allRequests()).join(", ")}`);
    });
  }
});

describe("hostile ids never change the route", () => {
  const aiozBase = `${testBasePaths.aioz}/media/`;
  const hostile = ["a/b", "x?admin=1", "../x", "..%2Fx", "%2e%2e", "a#b", "a b", "x/../../etc"];

  for (const id of hostile) {
    it(`keeps the AIOZ audio id ${JSON.stringify(id)} inside its one path segment, or refuses it`, async () => {
      const outcome = await h.call("aioz_get_audio", { audio_id: id });
      assert.equal(outcome.isError, true, "no such audio exists");
      const requests = allRequests();
      if (requests.length === 0) {
        assert.match(outcome.text, /audio_id/);
        return;
      }
      assert.equal(requests.length, 1);
      const [request] = requests;
      assert.equal(request?.method, "GET");
      assert.deepEqual(request?.query, {}, "no query key was added");
      assert.ok(request?.path.startsWith(aiozBase), `path ${request?.path}`);
      const segment = request?.path.slice(aiozBase.length) ?? "";
      assert.doesNotMatch(segment, /\//, "one segment");
      assert.equal(decodeURIComponent(segment), id, "the id arrives unchanged, percent-encoded");
      assert.match(outcome.text, /404/);
    });
  }

  for (const id of [".", ".."]) {
    it(`refuses the AIOZ audio id ${JSON.stringify(id)} before any request`, async () => {
      for (const tool of ["aioz_get_audio", "aioz_delete_audio", "aioz_complete_audio_upload"]) {
        failed(
          await h.call(tool, { audio_id: id, ...(tool.includes("complete") ? { wait_s: 0 } : {}) }),
          /audio_id/,
        );
      }
      failed(await h.call("aioz_update_audio", { audio_id: id, title: "x" }), /audio_id/);
      assert.equal(allRequests().length, 0, routesOf(allRequests()).join(", "));
    });
  }

  it("refuses a part upload into the audio id .. before reading the file or sending anything", async () => {
    const file = path.join(h.filesDir, "part.bin");
    await writeFile(file, Buffer.alloc(10));
    failed(await h.call("aioz_upload_audio_part", { audio_id: "..", file_path: file, index: 0 }), /audio_id/);
    failed(await h.call("aioz_upload_audio", { audio_id: "..", file_path: file, wait_s: 0 }), /audio_id/);
    assert.equal(allRequests().length, 0, routesOf(allRequests()).join(", "));
  });

  it("keeps a job's remote id inside its one path segment", async () => {
    const outcome = await h.call("job_status", { job_id: "videodb:job-1/../../video?x=1" });
    assert.equal(outcome.isError, true);
    const [request] = h.sandbox.videodb.requests;
    assert.ok(request, "the request was sent, encoded");
    assert.deepEqual(request.query, {});
    assert.equal(
      request.path,
      `${testBasePaths.videodb}/async-response/${encodeURIComponent("job-1/../../video?x=1")}`,
    );
  });

  it("cannot add query keys through a collection id", async () => {
    const outcome = await h.call("videodb_list_videos", { collection_id: "x&admin=1" });
    assert.equal(outcome.isError, true, "no such collection");
    const [request] = h.sandbox.videodb.requests;
    assert.deepEqual(request?.query, { collection_id: "x&admin=1" });
  });
});
