import { z } from "zod";

/**
 * An everyday job as an MCP prompt: the client shows it in its menu, the person fills in the arguments,
 * and the model gets steps that name the tools in the order to call them and what to check between them.
 */
export interface WorkflowPrompt {
  name: string;
  title: string;
  description: string;
  /** Prompt arguments are strings on the wire (MCP `prompts/get`); each one described. */
  args: Record<string, z.ZodType<string | undefined>>;
  /**
   * Every tool the steps may name, in order. The prompt is listed only where all of them are registered:
   * steps that name a missing tool would fail halfway, after credits were spent.
   */
  tools: readonly string[];
  /** The steps, for arguments the SDK has checked against `args`. */
  steps(args: Record<string, string | undefined>): string;
}

/** An argument as the steps quote it: JSON, so quotes and newlines in it cannot break the text. */
const quote = (value: string) => JSON.stringify(value);

/** Said after the steps, so the tools appear in the order they are called. */
const waitRule =
  'Between steps: while a job\'s status is "processing", call job_wait with its id (timeout_s 55) until it is done; if it is "failed", stop and tell the user job.error.';

const clipByTopic: WorkflowPrompt = {
  name: "clip_by_topic",
  title: "Clip a video by topic",
  description:
    "One stream of the moments in a video (a local file or a URL) where a topic is spoken about, with VideoDB.",
  args: {
    source: z
      .string()
      .min(1)
      .describe("The video: a local file path (inside the allowed folders) or an http(s) URL"),
    topic: z.string().min(1).describe("What the clips should be about, in a few words, e.g. pricing"),
  },
  tools: ["videodb_upload", "videodb_index_spoken_words", "videodb_search", "job_wait"],
  steps: ({ source = "", topic = "" }) => {
    const field = /^https?:\/\//i.test(source) ? "url" : "file_path";
    return [
      `Make one stream of the moments in this video where ${quote(topic)} is spoken about, with mediagate's VideoDB tools.`,
      "",
      `1. videodb_upload with {"${field}": ${quote(source)}, "media_type": "video", "wait_s": 55}. Check: once the job is done, job.result.video_id starts with "m-".`,
      '2. videodb_index_spoken_words with {"video_id": <that id>, "wait_s": 55}. Check: once done, job.result.indexed is true.',
      `3. videodb_search with {"video_id": <that id>, "query": ${quote(topic)}}. Check: shots is not empty. If it is, search once more with "search_type": "keyword" and the topic's key word; if still nothing, tell the user nothing matched.`,
      "4. Give the user stream_url (every shot compiled into one stream, player_url too if present) and each shot's start and end seconds with its text.",
      "",
      waitRule,
    ].join("\n");
  },
};

const narrate: WorkflowPrompt = {
  name: "narrate",
  title: "Narrate a text",
  description: "A voice-over of a text: speech in an AI Studios voice, hosted on AIOZ Stream as HLS.",
  args: {
    text: z.string().min(1).describe("The text to read aloud"),
    language: z.string().optional().describe("BCP 47 language of the text, e.g. en, ko; default en"),
    model: z
      .string()
      .optional()
      .describe("AI Studios voice model id; default: one chosen from aistudios_list_models"),
    title: z.string().optional().describe("Title of the hosted audio; default: the text's first words"),
  },
  tools: [
    "aistudios_list_models",
    "aistudios_export_audio",
    "aioz_upload_audio",
    "job_wait",
    "aioz_get_audio",
  ],
  steps: ({ text = "", language = "en", model, title }) => {
    const audioTitle = title ?? text.split(/\s+/).slice(0, 8).join(" ").slice(0, 80);
    const choose = model
      ? []
      : [
          `aistudios_list_models. Choose a voice for the text; the list does not say which languages a model speaks, so if the next step refuses the model for ${quote(language)}, choose another.`,
        ];
    const steps = [
      ...choose,
      `aistudios_export_audio with {"language": ${quote(language)}, "text": ${quote(text)}, "model": ${model ? quote(model) : "<its id>"}} (it spends credits: call it once). Check: download_url is set.`,
      `aioz_upload_audio with {"url": <that download_url>, "title": ${quote(audioTitle)}}. Check: audio.id is set and job is its transcode.`,
      "job_wait with that job's id until its status is done.",
      'aioz_get_audio with {"audio_id": <audio.id>}. Check: status is "done" and hls_url is set.',
      "Give the user hls_url and hls_player_url.",
    ];
    return [
      "Turn this text into a hosted voice-over: speech from AI Studios, hosted on AIOZ Stream as HLS.",
      "",
      ...steps.map((step, index) => `${index + 1}. ${step}`),
      "",
      waitRule,
    ].join("\n");
  },
};

const resolutions = ["4k", "1080", "720", "480"] as const;

const avatarVideo: WorkflowPrompt = {
  name: "avatar_video",
  title: "Presenter video from a script",
  description: "An MP4 of an AI Studios presenter reading a script.",
  args: {
    script: z.string().min(1).describe("What the presenter says"),
    language: z.string().optional().describe("BCP 47 language of the script, e.g. en, ko; default en"),
    model: z
      .string()
      .optional()
      .describe("AI Studios model id; default: one chosen from aistudios_list_models"),
    clothes: z.string().optional().describe("Clothes id of that model; default: one of its clothes"),
    resolution: z.enum(resolutions).optional().describe("4k, 1080, 720 or 480; default 1080"),
  },
  tools: ["aistudios_list_models", "aistudios_generate_video", "job_wait"],
  steps: ({ script = "", language = "en", model, clothes, resolution }) => {
    const known = model !== undefined && clothes !== undefined;
    const choose = known
      ? [
          `Use model ${quote(model)} with clothes ${quote(clothes)}; only if AI Studios refuses them, call aistudios_list_models and choose again.`,
        ]
      : [
          `aistudios_list_models. ${model ? `Check model ${quote(model)} is listed` : "Choose a presenter model"} and take ${clothes ? `clothes ${quote(clothes)} (check they are that model's)` : "one of its clothes ids"}. The list does not say which languages a model speaks: if the next step refuses the model for ${quote(language)}, choose another.`,
        ];
    const request = [
      `"language": ${quote(language)}`,
      `"text": ${quote(script)}`,
      `"model": ${model ? quote(model) : "<model id>"}`,
      `"clothes": ${clothes ? quote(clothes) : "<clothes id>"}`,
      ...(resolution ? [`"resolution": ${quote(resolution)}`] : []),
      '"wait_s": 55',
    ];
    const steps = [
      ...choose,
      `aistudios_generate_video with {${request.join(", ")}}. It spends credits: call it once, and if its error says the render may have started, do not call it again. Check: job.id starts with "aistudios:".`,
      "job_wait with that job's id until its status is done: renders take minutes, so tell the user job.progress (percent) between calls.",
      "Give the user job.result.download_url, the MP4.",
    ];
    return [
      "Make a presenter video of an AI Studios model reading this script.",
      "",
      ...steps.map((step, index) => `${index + 1}. ${step}`),
      "",
      waitRule,
    ].join("\n");
  },
};

/** The prompts mediagate lists, in the order clients show them. */
export const workflowPrompts: readonly WorkflowPrompt[] = [clipByTopic, narrate, avatarVideo];
