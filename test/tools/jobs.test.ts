import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, it } from "node:test";
import { testBasePaths } from "../helpers/harness.js";
import { inProcessForFile } from "../helpers/in-process.js";
import { onlyRequest, succeeded } from "../helpers/outcome.js";

const videodbPath = (route: string) => `${testBasePaths.videodb}${route}`;
const aiozPath = (route: string) => `${testBasePaths.aioz}${route}`;

const h = inProcessForFile({ sandbox: { jobDurationMs: 200 } });

describe("job tools", () => {
  it("job_status asks GET /async-response/{job} for a VideoDB job and reports it processing", async () => {
    h.sandbox.videodb.holdJobs = true;
    let id: string;
    let job: Record<string, unknown>;
    try {
      const started = succeeded(await h.call("videodb_generate_video", { prompt: "Waves", wait_s: 0 }));
      id = String((started.job as Record<string, unknown>).id);
      h.sandbox.videodb.clearRequests();
      job = succeeded(await h.call("job_status", { job_id: id })).job as Record<string, unknown>;
    } finally {
      h.sandbox.videodb.holdJobs = false;
    }
    const request = onlyRequest(h.sandbox.videodb.requests);
    assert.equal(request.method, "GET");
    assert.equal(request.path, videodbPath(`/async-response/${id.slice("videodb:".length)}`));
    assert.equal(request.headers["x-access-token"], h.sandbox.credentials.videodbApiKey);
    assert.equal(job.id, id);
    assert.equal(job.provider, "videodb");
    assert.equal(job.kind, "video_generation");
    assert.equal(job.status, "processing");
  });

  it("job_wait polls a VideoDB job until done, whichever envelope shape the finished answer has", async () => {
    for (const shape of ["data", "response"] as const) {
      h.sandbox.videodb.asyncShape = shape;
      try {
        const started = succeeded(
          await h.call("videodb_generate_video", { prompt: `Shape ${shape}`, wait_s: 0 }),
        );
        const id = String((started.job as Record<string, unknown>).id);
        const outcome = await h.call("job_wait", { job_id: id, timeout_s: 20 });
        const job = succeeded(outcome).job as Record<string, unknown>;
        assert.equal(job.status, "done", shape);
        assert.equal(job.id, id);
        const result = job.result as Record<string, unknown>;
        assert.match(String(result.video_id), /^m-/, shape);
        assert.match(String(result.stream_url), /\.m3u8$/, shape);
        assert.ok(outcome.text.includes(String(result.stream_url)));
      } finally {
        h.sandbox.videodb.asyncShape = "data";
      }
    }
  });

  it("job_wait follows an AIOZ transcode through GET /media/{id} until its stream URLs are ready, and job_status then reports it done", async () => {
    const created = succeeded(await h.call("aioz_create_audio", { title: "Transcode me" }));
    const id = String((created.audio as Record<string, unknown>).id);
    const file = path.join(h.filesDir, "transcode.wav");
    await writeFile(file, Buffer.alloc(2000, 7));
    succeeded(
      await h.call("aioz_upload_audio_part", {
        audio_id: id,
        file_path: file,
        index: 1,
        chunk_size_bytes: 4096,
      }),
    );
    const completed = succeeded(await h.call("aioz_complete_audio_upload", { audio_id: id, wait_s: 0 }));
    const jobId = String((completed.job as Record<string, unknown>).id);
    assert.equal(jobId, `aioz:${id}`);

    const outcome = await h.call("job_wait", { job_id: jobId, timeout_s: 20 });
    const job = succeeded(outcome).job as Record<string, unknown>;
    assert.equal(job.status, "done");
    const result = job.result as Record<string, unknown>;
    assert.equal(result.audio_id, id);
    assert.equal(result.stream_url, `${h.sandbox.aioz.url}/media/${id}/m3u8`);
    assert.match(String(result.player_url), /^http:\/\/127\.0\.0\.1:\d+\/.+\/hls\//);
    assert.ok(outcome.text.includes(String(result.stream_url)));

    // Once the transcode is done its state is known, so job_status must report exactly that.
    h.sandbox.aioz.clearRequests();
    const status = succeeded(await h.call("job_status", { job_id: jobId })).job as Record<string, unknown>;
    const request = onlyRequest(h.sandbox.aioz.requests);
    assert.equal(request.method, "GET");
    assert.equal(request.path, aiozPath(`/media/${id}`));
    assert.equal(request.headers.authorization, `Bearer ${h.sandbox.credentials.aiozToken}`);
    assert.equal(status.provider, "aioz");
    assert.equal(status.kind, "transcode");
    assert.equal(status.status, "done");
    assert.deepEqual(status.result, result);
  });
});
