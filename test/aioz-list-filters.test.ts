import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type InProcessHarness, startInProcess } from "./helpers/in-process.js";
import { onlyRequest, succeeded } from "./helpers/outcome.js";

interface ListedAudio {
  id: string;
  title: string;
  tags?: string[];
}

/**
 * aioz_list_audio's filters against audios made for the purpose, so each filter has something to keep and
 * something to leave out: a filter that matched nothing would prove nothing.
 */
describe("aioz_list_audio filters", () => {
  let h: InProcessHarness;
  const ids = new Map<string, string>();

  before(async () => {
    h = await startInProcess();
    const made = [
      { title: "Harbour field recording alpha", tags: ["harbour", "field"] },
      { title: "Harbour field recording beta", tags: ["harbour", "field"] },
      { title: "Harbour field recording gamma", tags: ["harbour", "field"] },
      // Matches the search but not the tags, and the tags but not the search.
      { title: "Harbour studio session", tags: ["harbour", "studio"] },
      { title: "Market noise", tags: ["harbour", "field"] },
    ];
    for (const audio of made) {
      const result = succeeded(await h.call("aioz_create_audio", audio));
      ids.set(audio.title, (result.audio as ListedAudio).id);
    }
  });
  after(async () => {
    await h?.close();
  });

  async function list(args: Record<string, unknown>) {
    h.clearRequests();
    const result = succeeded(await h.call("aioz_list_audio", args));
    return {
      body: onlyRequest(h.sandbox.aioz.requests).body,
      total: result.total,
      titles: (result.audios as ListedAudio[]).map((audio) => audio.title),
      ids: (result.audios as ListedAudio[]).map((audio) => audio.id),
    };
  }

  it("search and tags together keep only the audios matching both, sorted by title descending, a page at a time", async () => {
    const filters = {
      search: "field recording",
      tags: ["harbour", "field"],
      sort_by: "title",
      order_by: "desc",
    };
    const first = await list({ ...filters, offset: 0, limit: 2 });
    assert.deepEqual(first.body, { type: "audio", ...filters, offset: 0, limit: 2 });
    assert.equal(first.total, 3, "total counts every match, not only the page");
    assert.deepEqual(first.titles, ["Harbour field recording gamma", "Harbour field recording beta"]);
    assert.deepEqual(first.ids, [
      ids.get("Harbour field recording gamma"),
      ids.get("Harbour field recording beta"),
    ]);

    const second = await list({ ...filters, offset: 2, limit: 2 });
    assert.equal(second.total, 3);
    assert.deepEqual(second.titles, ["Harbour field recording alpha"]);
  });

  it("a tag keeps every audio that has it, and only those", async () => {
    const result = await list({ tags: ["studio"] });
    assert.equal(result.total, 1);
    assert.deepEqual(result.ids, [ids.get("Harbour studio session")]);
  });

  it("sort_by title ascending orders the matches the other way", async () => {
    const result = await list({ search: "harbour", sort_by: "title", order_by: "asc" });
    assert.deepEqual(result.titles, [
      "Harbour field recording alpha",
      "Harbour field recording beta",
      "Harbour field recording gamma",
      "Harbour studio session",
    ]);
    assert.equal(result.total, 4);
  });
});
