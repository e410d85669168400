import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, it } from "node:test";
import { inProcessForFile } from "./helpers/in-process.js";
import { failed, routesOf } from "./helpers/outcome.js";

/** The VideoDB workflow tools' input rules: each refusal names the field and the rule, and sends nothing. */
const h = inProcessForFile({ sandbox: { jobDurationMs: 100 } });

const video = "m-5a1f0c9e3b7d2468";

interface Rule {
  name: string;
  tool: string;
  args: Record<string, unknown> | (() => Promise<Record<string, unknown>>);
  field: RegExp;
  rule: RegExp;
}

async function aFile(): Promise<string> {
  const file = path.join(h.filesDir, "clip.mp4");
  await writeFile(file, "bytes");
  return file;
}

const rules: Rule[] = [
  {
    name: "both file_path and url",
    tool: "videodb_upload",
    args: async () => ({ file_path: await aFile(), url: "https://example.com/a.mp4" }),
    field: /file_path/,
    rule: /exactly one of file_path and url/,
  },
  {
    name: "neither file_path nor url",
    tool: "videodb_upload",
    args: {},
    field: /file_path/,
    rule: /exactly one of file_path and url/,
  },
  {
    name: "a media_type other than video, audio, image",
    tool: "videodb_upload",
    args: { url: "https://example.com/a.txt", media_type: "text" },
    field: /media_type/,
    rule: /video.*audio.*image/,
  },
  {
    name: "a url that is not http(s)",
    tool: "videodb_upload",
    args: { url: "file:///etc/passwd" },
    field: /url/,
    rule: /only http and https/,
  },
  {
    name: "a callback_url that is not http(s)",
    tool: "videodb_upload",
    args: { url: "https://example.com/a.mp4", callback_url: "ftp://example.com/hook" },
    field: /callback_url/,
    rule: /http\(s\) URL/,
  },
  {
    name: "a collection_id with a slash",
    tool: "videodb_upload",
    args: { url: "https://example.com/a.mp4", collection_id: "a/b" },
    field: /collection_id/,
    rule: /without \/ \? or #/,
  },
  {
    name: "a video id that does not start with m-",
    tool: "videodb_index_spoken_words",
    args: { video_id: "../x" },
    field: /video_id/,
    rule: /"m-"/,
  },
  {
    name: "a segmentation_type other than sentence or llm",
    tool: "videodb_index_spoken_words",
    args: { video_id: video, segmentation_type: "paragraph" },
    field: /segmentation_type/,
    rule: /sentence.*llm/,
  },
  {
    name: "a language_code that is not a language code",
    tool: "videodb_index_spoken_words",
    args: { video_id: video, language_code: "english please" },
    field: /language_code/,
    rule: /language code/,
  },
  {
    name: "an empty query",
    tool: "videodb_search",
    args: { query: "   " },
    field: /query/,
    rule: /must not be empty/,
  },
  {
    name: "a keyword search over a collection",
    tool: "videodb_search",
    args: { query: "pricing", search_type: "keyword" },
    field: /search_type/,
    rule: /keyword search needs a video_id/,
  },
  {
    name: "a result_threshold above 50",
    tool: "videodb_search",
    args: { query: "pricing", result_threshold: 51 },
    field: /result_threshold/,
    rule: /<=50/,
  },
  {
    name: "a score_threshold above 1",
    tool: "videodb_search",
    args: { query: "pricing", score_threshold: 1.5 },
    field: /score_threshold/,
    rule: /<=1/,
  },
  {
    name: "a segmenter other than word, sentence, time",
    tool: "videodb_get_transcript",
    args: { video_id: video, segmenter: "paragraph" },
    field: /segmenter/,
    rule: /word.*sentence.*time/,
  },
  {
    name: "a start after the end",
    tool: "videodb_get_transcript",
    args: { video_id: video, start: 10, end: 5 },
    field: /start/,
    rule: /start must be less than end/,
  },
  {
    name: "a negative start",
    tool: "videodb_get_transcript",
    args: { video_id: video, start: -1 },
    field: /start/,
    rule: /0 or more/,
  },
  {
    name: "an audio kind the SDK does not know",
    tool: "videodb_generate_audio",
    args: { kind: "speech", prompt: "x" },
    field: /kind/,
    rule: /voice.*music.*sound_effect/,
  },
  {
    name: "a voice without text",
    tool: "videodb_generate_audio",
    args: { kind: "voice" },
    field: /text/,
    rule: /kind voice needs text/,
  },
  {
    name: "music with text instead of a prompt",
    tool: "videodb_generate_audio",
    args: { kind: "music", text: "la la" },
    field: /prompt/,
    rule: /kind music needs a prompt/,
  },
  {
    name: "music longer than 300 seconds",
    tool: "videodb_generate_audio",
    args: { kind: "music", prompt: "calm", duration: 301 },
    field: /duration/,
    rule: /1-300 seconds/,
  },
  {
    name: "a sound effect longer than 30 seconds",
    tool: "videodb_generate_audio",
    args: { kind: "sound_effect", prompt: "boom", duration: 31 },
    field: /duration/,
    rule: /1-30 seconds/,
  },
  {
    name: "an aspect ratio VideoDB does not make",
    tool: "videodb_generate_image",
    args: { prompt: "a lighthouse", aspect_ratio: "2:1" },
    field: /aspect_ratio/,
    rule: /1:1/,
  },
  {
    name: "an empty image prompt",
    tool: "videodb_generate_image",
    args: { prompt: "" },
    field: /prompt/,
    rule: /must not be empty/,
  },
  {
    name: "a VideoDB job id of a known kind with its fields missing",
    tool: "job_status",
    args: { job_id: "videodb:upload:default" },
    field: /job_id/,
    rule: /not a job id mediagate gave/,
  },
];

describe("VideoDB workflow input rules: rejected with the field and the rule, before any request", () => {
  for (const rule of rules) {
    it(`rejects ${rule.name} (${rule.tool})`, async () => {
      const args = typeof rule.args === "function" ? await rule.args() : rule.args;
      failed(await h.call(rule.tool, args), rule.field, rule.rule);
      const sent = h.sandbox.videodb.requests;
      assert.equal(sent.length, 0, `requests sent: ${routesOf(sent).join(", ")}`);
    });
  }
});
