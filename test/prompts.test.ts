import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { GetPromptResult } from "@modelcontextprotocol/sdk/types.js";
import { allOperations } from "../src/catalog.js";
import { workflowPrompts } from "../src/prompts/workflows.js";
import { type InProcessHarness, startInProcess } from "./helpers/in-process.js";

/** A tool name as the steps write them: a provider (or job) prefix, then snake_case. */
const toolName = /\b(?:videodb|aioz|aistudios|job)_[a-z_]+[a-z]\b/g;

/** The tools a text names, each once, in the order it first names them. */
function toolsNamed(text: string): string[] {
  return [...new Set(text.match(toolName) ?? [])];
}

function textOf(result: GetPromptResult): string {
  return result.messages
    .map((message) => (message.content.type === "text" ? message.content.text : ""))
    .join("\n");
}

/** A value for every argument of each prompt, each one recognisable in the text. */
const everyArgument: Record<string, Record<string, string>> = {
  clip_by_topic: { source: "https://media.example.com/interview-7.mp4", topic: "pricing tiers" },
  narrate: {
    text: 'Welcome to "Orbit", our launch.\nStay tuned.',
    language: "en-GB",
    model: "M000312031",
    title: "Orbit launch voice-over",
  },
  avatar_video: {
    script: "Quarterly results are in.",
    language: "ko",
    model: "M000004017",
    clothes: "BG00002320",
    resolution: "720",
  },
};

describe("prompts: what they name", () => {
  it("every tool a prompt names is in the catalog", () => {
    const catalog = new Set(allOperations.map((operation) => operation.name));
    for (const prompt of workflowPrompts) {
      const missing = prompt.tools.filter((tool) => !catalog.has(tool));
      assert.deepEqual(missing, [], `${prompt.name} names tools the catalog lacks`);
    }
  });

  it("every tool the steps name is among the prompt's declared tools, so filtering on them is complete", () => {
    for (const prompt of workflowPrompts) {
      const text = prompt.steps(everyArgument[prompt.name] ?? {});
      for (const tool of toolsNamed(text)) assert.ok(prompt.tools.includes(tool), `${prompt.name}: ${tool}`);
    }
  });

  it("each prompt's steps name its tools in the order they are called", () => {
    // Without a model, narrate and avatar_video start by choosing one: every declared tool is named.
    for (const prompt of workflowPrompts) {
      const args = { ...everyArgument[prompt.name] };
      delete args.model;
      delete args.clothes;
      assert.deepEqual(toolsNamed(prompt.steps(args)), [...prompt.tools], prompt.name);
    }
  });
});

describe("prompts over MCP", () => {
  let h: InProcessHarness;
  before(async () => {
    h = await startInProcess();
  });
  after(async () => {
    await h?.close();
  });

  it("prompts/list lists each prompt whose tools are all listed, with a title and described arguments", async () => {
    const tools = new Set((await h.client.listTools()).tools.map((tool) => tool.name));
    const { prompts } = await h.client.listPrompts();
    const expected = workflowPrompts.filter((prompt) => prompt.tools.every((tool) => tools.has(tool)));
    assert.deepEqual(
      prompts.map((prompt) => prompt.name),
      expected.map((prompt) => prompt.name),
    );
    for (const name of ["narrate", "avatar_video"]) {
      assert.ok(
        prompts.some((prompt) => prompt.name === name),
        `${name} is listed`,
      );
    }
    for (const prompt of prompts) {
      assert.ok(prompt.title && prompt.description, prompt.name);
      assert.ok(prompt.arguments && prompt.arguments.length > 0, prompt.name);
      for (const argument of prompt.arguments) {
        assert.ok((argument.description ?? "").length > 5, `${prompt.name}.${argument.name} is described`);
      }
    }
    const required = (name: string) =>
      prompts
        .find((prompt) => prompt.name === name)
        ?.arguments?.filter((argument) => argument.required)
        .map((argument) => argument.name);
    assert.deepEqual(required("narrate"), ["text"]);
    assert.deepEqual(required("avatar_video"), ["script"]);
  });

  for (const prompt of workflowPrompts) {
    it(`prompts/get ${prompt.name}: every argument reaches the text, and the steps say what to check`, async (t) => {
      const listed = (await h.client.listPrompts()).prompts.some((each) => each.name === prompt.name);
      if (!listed) {
        t.skip(`${prompt.name}'s tools are not all registered here`);
        return;
      }
      const args = everyArgument[prompt.name] ?? {};
      const result = await h.client.getPrompt({ name: prompt.name, arguments: args });
      assert.equal(result.messages[0]?.role, "user");
      const text = textOf(result);
      for (const [name, value] of Object.entries(args)) {
        // Quoted as JSON, so a value's quotes and line breaks cannot end its place in the text.
        assert.ok(
          text.includes(JSON.stringify(value)),
          `${name} (${JSON.stringify(value)}) is not in:\n${text}`,
        );
      }
      assert.match(text, /Check:/);
      assert.match(text, /job_wait/);
      assert.match(text, /"failed"/);
    });
  }

  it("clip_by_topic sends a local path as file_path and a URL as url", () => {
    const prompt = workflowPrompts.find((each) => each.name === "clip_by_topic");
    assert.ok(prompt);
    assert.match(
      prompt.steps({ source: "talks/interview.mp4", topic: "pricing" }),
      /"file_path": "talks\/interview\.mp4"/,
    );
    assert.match(
      prompt.steps({ source: "HTTPS://cdn.example.com/a.mp4", topic: "pricing" }),
      /"url": "HTTPS:/,
    );
  });

  it("avatar_video spends credits once: its steps say not to call aistudios_generate_video again when a render may have started", async () => {
    const text = textOf(
      await h.client.getPrompt({ name: "avatar_video", arguments: { script: "Hi there." } }),
    );
    assert.match(text, /aistudios_list_models/);
    assert.match(text, /call it once/);
    assert.match(text, /may have started, do not call it again/);
    assert.match(text, /download_url/);
  });

  it("avatar_video with both model and clothes goes straight to the render", async () => {
    const text = textOf(
      await h.client.getPrompt({
        name: "avatar_video",
        arguments: { script: "Hi there.", model: "M000045058", clothes: "BG00002320" },
      }),
    );
    assert.match(text, /^1\. Use model "M000045058" with clothes "BG00002320"/m);
    assert.match(text, /^2\. aistudios_generate_video with \{"language": "en", "text": "Hi there\."/m);
  });

  it("prompts/get refuses a value outside an argument's set, naming the argument", async () => {
    await assert.rejects(
      h.client.getPrompt({ name: "avatar_video", arguments: { script: "Hi", resolution: "1440" } }),
      /resolution/,
    );
    await assert.rejects(h.client.getPrompt({ name: "narrate", arguments: {} }), /text/);
  });
});

describe("the workflows, followed as their prompts say, end with something that plays", () => {
  let h: InProcessHarness;
  before(async () => {
    h = await startInProcess({ sandbox: { jobDurationMs: 300 } });
  });
  after(async () => {
    await h?.close();
  });

  const ok = (outcome: { isError: boolean; text: string; structured?: Record<string, unknown> }) => {
    assert.equal(outcome.isError, false, outcome.text);
    return outcome.structured as Record<string, unknown>;
  };

  it("avatar_video: aistudios_list_models, aistudios_generate_video, then waits: an MP4 that loads", async () => {
    const { models } = ok(await h.call("aistudios_list_models")) as {
      models: Array<{ id: string; clothes?: Array<{ id: string }> }>;
    };
    const model = models[0];
    const clothes = model?.clothes?.[0]?.id;
    assert.ok(model && clothes);
    let { job } = ok(
      await h.call("aistudios_generate_video", {
        language: "en",
        text: "Quarterly results are in.",
        model: model.id,
        clothes,
        wait_s: 55,
      }),
    ) as { job: { id: string; status: string; result?: { download_url?: string } } };
    while (job.status === "processing") {
      ({ job } = ok(await h.call("job_wait", { job_id: job.id, timeout_s: 55 })) as { job: typeof job });
    }
    assert.equal(job.status, "done");
    const video = await fetch(String(job.result?.download_url));
    assert.equal(video.headers.get("content-type"), "video/mp4");
    await video.body?.cancel();
  });

  it("narrate: aistudios_export_audio, aioz_upload_audio from its URL, job_wait, aioz_get_audio: an HLS stream", async () => {
    const speech = ok(
      await h.call("aistudios_export_audio", {
        language: "en",
        text: "Hello there, welcome to the show.",
        model: "M000045058",
      }),
    );
    const uploaded = ok(
      await h.call("aioz_upload_audio", { url: speech.download_url, title: "Welcome", wait_s: 0 }),
    ) as { audio: { id: string }; job: { id: string; status: string } };
    let job = uploaded.job;
    while (job.status === "processing") {
      ({ job } = ok(await h.call("job_wait", { job_id: job.id, timeout_s: 55 })) as { job: typeof job });
    }
    assert.equal(job.status, "done");
    const { audio } = ok(await h.call("aioz_get_audio", { audio_id: uploaded.audio.id })) as {
      audio: { status: string; hls_url?: string };
    };
    assert.equal(audio.status, "done");
    const playlist = await fetch(String(audio.hls_url));
    assert.match(await playlist.text(), /^#EXTM3U/);
  });
});

describe("prompts follow the registered tools", () => {
  it("with --toolsets aistudios,jobs only avatar_video is listed", async () => {
    const h = await startInProcess({ args: ["--toolsets", "aistudios,jobs"] });
    try {
      const { prompts } = await h.client.listPrompts();
      assert.deepEqual(
        prompts.map((prompt) => prompt.name),
        ["avatar_video"],
      );
    } finally {
      await h.close();
    }
  });

  it("with --toolsets aioz,aistudios,jobs narrate is listed too", async () => {
    const h = await startInProcess({ args: ["--toolsets", "aioz,aistudios,jobs"] });
    try {
      const { prompts } = await h.client.listPrompts();
      assert.deepEqual(
        prompts.map((prompt) => prompt.name),
        ["narrate", "avatar_video"],
      );
    } finally {
      await h.close();
    }
  });

  it("with --read-only no prompt is listed, and the server declares no prompts capability", async () => {
    const h = await startInProcess({ args: ["--read-only"] });
    try {
      assert.equal(h.client.getServerCapabilities()?.prompts, undefined);
      await assert.rejects(h.client.listPrompts(), /Method not found/);
    } finally {
      await h.close();
    }
  });
});
