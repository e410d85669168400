import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, it } from "node:test";
import { inProcessForFile } from "../helpers/in-process.js";
import { failed, onlyRequest, succeeded } from "../helpers/outcome.js";

const h = inProcessForFile({ sandbox: { jobDurationMs: 100 } });

const fullForm = {
  resolution: "good",
  type: "dash",
  container_type: "fmp4",
  audio_config: { codec: "aac", bitrate: 160000, channels: "2", sample_rate: 48000, language: "en" },
};

describe("AIOZ qualities: presets or the document's full objects", () => {
  it("a preset goes on the wire as the full quality object the document describes", async () => {
    succeeded(
      await h.call("aioz_create_audio", { title: "Presets", qualities: ["standard-hls", "highest-dash"] }),
    );
    const body = onlyRequest(h.sandbox.aioz.requests).body as Record<string, unknown>;
    assert.deepEqual(body.qualities, [
      {
        resolution: "standard",
        type: "hls",
        container_type: "mpegts",
        audio_config: { codec: "aac", channels: "2", index: 0, bitrate: 128000, sample_rate: 44100 },
      },
      {
        resolution: "highest",
        type: "dash",
        container_type: "fmp4",
        audio_config: { codec: "aac", channels: "2", index: 0, bitrate: 320000, sample_rate: 44100 },
      },
    ]);
  });

  it("presets and full objects mix in one list, each sent as given", async () => {
    succeeded(await h.call("aioz_create_audio", { title: "Mixed", qualities: ["lossless-hls", fullForm] }));
    const body = onlyRequest(h.sandbox.aioz.requests).body as Record<string, unknown>;
    assert.deepEqual(body.qualities, [
      {
        resolution: "lossless",
        type: "hls",
        container_type: "mpegts",
        audio_config: { codec: "aac", channels: "2", index: 0, bitrate: 320000, sample_rate: 48000 },
      },
      fullForm,
    ]);
  });

  it("every preset is accepted by the emulator, which checks the document's rules", async () => {
    const presets = ["standard", "good", "highest", "lossless"].flatMap((level) => [
      `${level}-hls`,
      `${level}-dash`,
    ]);
    const created = succeeded(
      await h.call("aioz_create_audio", { title: "All presets", qualities: presets }),
    );
    assert.ok((created.audio as Record<string, unknown>).id);
    const body = onlyRequest(h.sandbox.aioz.requests).body as Record<string, unknown>;
    assert.equal((body.qualities as unknown[]).length, 8);
  });

  it("refuses a name that is no preset, listing the presets, before any request", async () => {
    failed(
      await h.call("aioz_create_audio", { title: "Bad", qualities: ["ultra-hls"] }),
      /qualities\[0\]/,
      /standard-hls, standard-dash, good-hls, good-dash, highest-hls, highest-dash, lossless-hls, lossless-dash/,
    );
    failed(await h.call("aioz_create_audio", { title: "Bad", qualities: [42] }), /qualities\[0\]/, /preset/);
    assert.deepEqual(h.sandbox.aioz.requests, []);
  });

  it("refuses a full object's broken rule by its path even after a valid preset", async () => {
    failed(
      await h.call("aioz_create_audio", {
        title: "Bad",
        qualities: ["good-hls", { ...fullForm, container_type: "mpegts" }],
      }),
      /qualities\[1\]\.container_type/,
      /must match type/,
    );
    assert.deepEqual(h.sandbox.aioz.requests, []);
  });

  it("aioz_upload_audio sends the presets' full form in its create request", async () => {
    const file = path.join(h.filesDir, "preset.wav");
    await writeFile(file, Buffer.alloc(300, 1));
    succeeded(
      await h.call("aioz_upload_audio", {
        file_path: file,
        qualities: ["good-hls"],
        chunk_size_bytes: 1024,
        wait_s: 0,
      }),
    );
    const create = h.sandbox.aioz.requests.find((request) => request.route === "/media/create");
    assert.ok(create, "a create request was sent");
    assert.deepEqual((create.body as Record<string, unknown>).qualities, [
      {
        resolution: "good",
        type: "hls",
        container_type: "mpegts",
        audio_config: { codec: "aac", channels: "2", index: 0, bitrate: 192000, sample_rate: 44100 },
      },
    ]);
  });

  it("the server instructions state the full form's rules, which the listing shows only as an object", async () => {
    const instructions = h.client.getInstructions() ?? "";
    for (const rule of [
      "standard|good|highest|lossless",
      "hls|dash",
      "hls mpegts|mp4, dash fmp4",
      'codec: "aac"',
      'channels: "2"',
      "8000|11025|16000|22050|32000|44100|48000|88200|96000",
      "bitrate: integer bits/s > 0",
    ]) {
      assert.ok(instructions.includes(rule), `the instructions lack ${rule}`);
    }
  });
});
