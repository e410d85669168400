// The player page: turns a mediagate tool result into something to watch or hear. It runs in the host's
// sandboxed iframe, talks to the host only through the MCP Apps bridge, and fetches nothing but media.
import { App } from "@modelcontextprotocol/ext-apps";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import Hls from "hls.js/light";

type Kind = "video" | "audio";
type Json = Record<string, unknown>;

interface Source {
  url: string;
  /** hls: a playlist; progressive: a file the element plays directly. */
  type: "hls" | "progressive";
}

interface Media {
  title: string;
  kind: Kind;
  provider: string;
  durationSec?: number;
  sources: Source[];
  /** Asked for only when the sources before it fail: the progressive variant costs a tool call. */
  fallback?: () => Promise<Source | undefined>;
  /** Shown when nothing plays: the provider's own player page, or the media URL itself. */
  link: string;
}

const providerNames: Record<string, string> = {
  videodb: "VideoDB",
  aioz: "AIOZ Stream",
  aistudios: "AI Studios",
};
const LOAD_TIMEOUT_MS = 15000;

const app = new App({ name: "mediagate player", version: "1.0.0" }, {});
const titleElement = byId("title");
const metaElement = byId("meta");
const stage = byId("stage");
const listElement = byId("list");
let toolInput: Json = {};
/** Every render starts a new generation; work of an older one (a poll, a load) stops when it sees it. */
let generation = 0;
let hls: Hls | undefined;

function byId(id: string): HTMLElement {
  const element = document.getElementById(id);
  if (!element) throw new Error(`#${id} is missing`);
  return element;
}

const record = (value: unknown): Json =>
  typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Json) : {};
const text = (value: unknown): string | undefined =>
  typeof value === "string" && value !== "" ? value : undefined;
const number = (value: unknown): number | undefined => {
  const n = typeof value === "string" ? Number(value) : value;
  return typeof n === "number" && Number.isFinite(n) ? n : undefined;
};

function setState(state: string): void {
  document.body.dataset.state = state;
}

function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined) return "";
  const whole = Math.round(seconds);
  const minutes = Math.floor(whole / 60);
  return `${minutes}:${String(whole % 60).padStart(2, "0")}`;
}

function header(title: string, provider: string, durationSec?: number): void {
  titleElement.textContent = title;
  metaElement.textContent = [provider, formatDuration(durationSec)].filter(Boolean).join(" · ");
}

function linkTo(url: string, label: string): HTMLAnchorElement {
  const anchor = document.createElement("a");
  anchor.href = url;
  anchor.textContent = label;
  anchor.rel = "noopener";
  // The frame may not navigate: the host opens links, after asking the user if it wants to.
  anchor.addEventListener("click", (event) => {
    event.preventDefault();
    app.openLink({ url }).catch(() => undefined);
  });
  return anchor;
}

function showMessage(message: string, link?: string): void {
  const box = document.createElement("div");
  box.className = "message";
  box.textContent = `${message} `;
  if (link) box.append(linkTo(link, "Open the media"));
  stage.replaceChildren(box);
}

function stopPlayback(): void {
  hls?.destroy();
  hls = undefined;
}

const isHls = (url: string) => /\.m3u8($|\?)|\/m3u8($|\?)/i.test(url);

/** Resolves once the element has the media's metadata; rejects on a media error, a blocked source or a timeout. */
function loaded(element: HTMLMediaElement): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (error?: Error) => {
      clearTimeout(timer);
      element.removeEventListener("loadedmetadata", onLoaded);
      element.removeEventListener("error", onError);
      document.removeEventListener("securitypolicyviolation", onBlocked);
      if (error) reject(error);
      else resolve();
    };
    const onLoaded = () => done();
    const onError = () => done(new Error(element.error?.message || "the media could not be loaded"));
    const onBlocked = (event: SecurityPolicyViolationEvent) =>
      done(new Error(`blocked by the host's policy (${event.violatedDirective})`));
    const timer = setTimeout(() => done(new Error("the media took too long to load")), LOAD_TIMEOUT_MS);
    element.addEventListener("loadedmetadata", onLoaded);
    element.addEventListener("error", onError);
    document.addEventListener("securitypolicyviolation", onBlocked);
  });
}

/** One attempt at one source: native playback first, hls.js (Media Source Extensions) where there is none. */
async function attach(element: HTMLMediaElement, source: Source): Promise<string> {
  stopPlayback();
  if (source.type === "progressive" || element.canPlayType("application/vnd.apple.mpegurl") !== "") {
    const ready = loaded(element);
    element.src = source.url;
    await ready;
    return source.type === "hls" ? "hls-native" : "progressive";
  }
  if (!Hls.isSupported()) throw new Error("this browser plays no HLS");
  // No worker: a host's policy rarely allows one, and the page must stay a single file.
  const player = new Hls({ enableWorker: false });
  hls = player;
  const ready = loaded(element);
  const fatal = new Promise<never>((_, reject) => {
    player.on(Hls.Events.ERROR, (_event, data) => {
      if (data.fatal) reject(new Error(`HLS: ${data.details}`));
    });
  });
  player.loadSource(source.url);
  player.attachMedia(element);
  try {
    await Promise.race([ready, fatal]);
  } catch (error) {
    stopPlayback();
    element.removeAttribute("src");
    element.load();
    throw error;
  }
  return "hls.js";
}

/** Plays the first source that loads: HLS, then the progressive variant, then the link. */
async function play(media: Media): Promise<void> {
  const mine = ++generation;
  stopPlayback();
  header(media.title, media.provider, media.durationSec);
  setState("loading");
  const element = document.createElement(media.kind);
  element.controls = true;
  element.preload = "metadata";
  element.setAttribute("playsinline", "");
  stage.replaceChildren(element);
  const tried = new Set<string>();
  const sources = [...media.sources];
  let fallbackAsked = false;
  for (let index = 0; ; index++) {
    if (index >= sources.length && !fallbackAsked && media.fallback) {
      fallbackAsked = true;
      const extra = await media.fallback().catch(() => undefined);
      if (mine !== generation) return;
      if (extra) sources.push(extra);
    }
    const source = sources[index];
    if (!source) break;
    if (tried.has(source.url)) continue;
    tried.add(source.url);
    try {
      const how = await attach(element, source);
      if (mine !== generation) return;
      element.dataset.source = source.url;
      element.dataset.how = how;
      // Results without a length (a stream URL alone) get the one the media itself reports.
      if (media.durationSec === undefined && Number.isFinite(element.duration)) {
        header(media.title, media.provider, element.duration);
      }
      setState(index === 0 ? "ready" : "fallback");
      return;
    } catch (error) {
      if (mine !== generation) return;
      console.warn(`mediagate player: ${source.url}: ${(error as Error).message}`);
    }
  }
  stopPlayback();
  setState("link");
  showMessage("This media cannot play here.", media.link);
}

function videodbVideo(item: Json, input: Json): Media | undefined {
  const streamUrl = text(item.stream_url);
  if (!streamUrl) return undefined;
  const videoId = text(item.id) ?? text(item.video_id) ?? text(input.video_id);
  const timeline = input.timeline;
  return {
    title: text(item.name) ?? (videoId ? `Video ${videoId}` : "Video stream"),
    kind: "video",
    provider: providerNames.videodb as string,
    durationSec: number(item.length),
    sources: [{ url: streamUrl, type: isHls(streamUrl) ? "hls" : "progressive" }],
    link: text(item.player_url) ?? streamUrl,
    fallback: videoId
      ? async () => {
          const result = await app.callServerTool({
            name: "videodb_generate_stream",
            arguments: { video_id: videoId, format: "mp4", ...(timeline ? { timeline } : {}) },
          });
          const url = text(record(result.structuredContent).stream_url);
          return !result.isError && url ? { url, type: "progressive" } : undefined;
        }
      : undefined,
  };
}

function aiozAudio(audio: Json): Media | undefined {
  const assets = { ...audio, ...record(audio.assets) };
  const hlsUrl = text(assets.hls_url) ?? text(assets.stream_url);
  const progressive = [text(assets.mp4_url), text(assets.source_url)].filter((url): url is string => !!url);
  if (!hlsUrl && progressive.length === 0) return undefined;
  return {
    title: text(audio.title) ?? "Audio",
    kind: "audio",
    provider: providerNames.aioz as string,
    durationSec: number(audio.duration),
    sources: [
      ...(hlsUrl ? [{ url: hlsUrl, type: "hls" as const }] : []),
      ...progressive.map((url) => ({ url, type: "progressive" as const })),
    ],
    link: text(assets.hls_player_url) ?? text(assets.player_url) ?? hlsUrl ?? (progressive[0] as string),
  };
}

function listRow(label: string, detail: string, onPick: () => void): HTMLLIElement {
  const row = document.createElement("li");
  const button = document.createElement("button");
  const name = document.createElement("span");
  name.textContent = label;
  const meta = document.createElement("span");
  meta.className = "meta";
  meta.textContent = detail;
  button.append(name, meta);
  button.addEventListener("click", () => {
    for (const other of listElement.querySelectorAll("li")) other.removeAttribute("aria-current");
    row.setAttribute("aria-current", "true");
    onPick();
  });
  row.append(button);
  return row;
}

function showList(title: string, provider: string, rows: HTMLLIElement[]): void {
  generation++;
  stopPlayback();
  header(title, provider);
  stage.replaceChildren();
  const list = document.createElement("ul");
  list.className = "list";
  list.append(...rows);
  listElement.replaceChildren(list);
  setState("list");
  if (rows.length === 0) showMessage("Nothing to play yet.");
}

async function pickVideodbAudio(item: Json): Promise<void> {
  const audioId = text(item.id);
  if (!audioId) return;
  const mine = ++generation;
  setState("loading");
  const result = await app.callServerTool({
    name: "videodb_generate_audio_url",
    arguments: { audio_id: audioId },
  });
  if (mine !== generation) return;
  const url = text(record(result.structuredContent).url);
  if (result.isError || !url) {
    setState("link");
    showMessage("VideoDB gave no URL for this audio.");
    return;
  }
  await play({
    title: text(item.name) ?? audioId,
    kind: "audio",
    provider: providerNames.videodb as string,
    durationSec: number(item.length),
    sources: [{ url, type: isHls(url) ? "hls" : "progressive" }],
    link: url,
  });
}

function progressView(job: Json): void {
  const provider = providerNames[text(job.provider) ?? ""] ?? "";
  const kind = (text(job.kind) ?? "job").replace(/_/g, " ");
  header(`Working: ${kind}`, provider);
  const bar = document.createElement("progress");
  bar.max = 100;
  const progress = number(job.progress);
  if (progress !== undefined) bar.value = progress;
  const line = document.createElement("div");
  line.className = "meta";
  line.textContent = progress === undefined ? "Processing…" : `${Math.round(progress)}% done`;
  stage.replaceChildren(bar, line);
  setState("progress");
}

/** Follows a running job through job_status (a tool the view may call) until it is done or failed. */
async function follow(job: Json): Promise<void> {
  const mine = ++generation;
  let current = job;
  for (;;) {
    const status = text(current.status);
    if (status === "done") return showJobResult(current);
    if (status === "failed") {
      setState("failed");
      header("The job failed", providerNames[text(current.provider) ?? ""] ?? "");
      showMessage(text(current.error) ?? "The provider reported a failure.");
      return;
    }
    progressView(current);
    // Someone is watching the bar: poll every 1-2 s, never faster than the 1 s the providers allow.
    const pause = Math.min(2000, Math.max(1000, number(current.poll_after_ms) ?? 2000));
    await new Promise((resolve) => setTimeout(resolve, pause));
    if (mine !== generation) return;
    const result = await app
      .callServerTool({ name: "job_status", arguments: { job_id: text(current.id) ?? "" } })
      .catch(() => undefined);
    if (mine !== generation) return;
    const next = record(record(result?.structuredContent).job);
    if (result && !result.isError && text(next.status)) current = next;
  }
}

async function showJobResult(job: Json): Promise<void> {
  const result = record(job.result);
  const provider = text(job.provider);
  if (provider === "aioz" && text(result.audio_id)) {
    // The finished job names the audio; its detail carries the progressive variants and the title.
    const mine = ++generation;
    const detail = await app
      .callServerTool({ name: "aioz_get_audio", arguments: { audio_id: text(result.audio_id) as string } })
      .catch(() => undefined);
    if (mine !== generation) return;
    const audio = record(record(detail?.structuredContent).audio);
    const media = aiozAudio(detail && !detail.isError ? audio : { ...result, title: "Audio" });
    if (media) return play(media);
  }
  const media = videodbVideo(result, {}) ?? aiozAudio(result);
  if (media) return play(media);
  setState("done");
  header("Done", providerNames[provider ?? ""] ?? "");
  showMessage("The job is done; its result carries no media to play.");
}

/** Chooses a view from the result's own shape, so every tool's answer finds its way without a table. */
function render(result: CallToolResult): void {
  listElement.replaceChildren();
  const content = record(result.structuredContent);
  if (result.isError) {
    generation++;
    stopPlayback();
    header("No media", "");
    setState("error");
    showMessage("The tool reported an error; nothing to play.");
    return;
  }
  if (Array.isArray(content.videos)) {
    const videos = content.videos.map(record);
    showList(
      `${videos.length} video${videos.length === 1 ? "" : "s"}`,
      providerNames.videodb as string,
      videos.map((video) =>
        listRow(text(video.name) ?? text(video.id) ?? "Video", formatDuration(number(video.length)), () => {
          const media = videodbVideo(video, {});
          if (media) play(media);
          else showMessage("This video has no stream yet.");
        }),
      ),
    );
    return;
  }
  if (Array.isArray(content.audios)) {
    const audios = content.audios.map(record);
    const fromAioz = audios.some((audio) => "title" in audio || "hls_url" in audio || "assets" in audio);
    showList(
      `${audios.length} audio${audios.length === 1 ? "" : "s"}`,
      (fromAioz ? providerNames.aioz : providerNames.videodb) as string,
      audios.map((audio) =>
        listRow(
          text(audio.title) ?? text(audio.name) ?? text(audio.id) ?? "Audio",
          formatDuration(number(audio.duration) ?? number(audio.length)),
          () => {
            if (!fromAioz) {
              pickVideodbAudio(audio);
              return;
            }
            const media = aiozAudio(audio);
            if (media) play(media);
            else showMessage(`This audio is ${text(audio.status) ?? "not ready"}; nothing to play yet.`);
          },
        ),
      ),
    );
    return;
  }
  if (text(content.stream_url)) {
    const media = videodbVideo(content, toolInput);
    if (media) play(media);
    return;
  }
  if (text(content.url)) {
    const url = content.url as string;
    play({
      title: text(toolInput.audio_id) ? `Audio ${toolInput.audio_id}` : "Audio",
      kind: "audio",
      provider: providerNames.videodb as string,
      sources: [{ url, type: isHls(url) ? "hls" : "progressive" }],
      link: url,
    });
    return;
  }
  if (text(content.download_url)) {
    const url = content.download_url as string;
    const meta = record(Array.isArray(content.meta) ? content.meta[0] : content.meta);
    play({
      title: text(content.file_name) ?? "Speech",
      kind: "audio",
      provider: providerNames.aistudios as string,
      durationSec: number(meta.duration),
      sources: [{ url, type: "progressive" }],
      link: url,
    });
    return;
  }
  const job = record(content.job);
  const audio = record(content.audio);
  if (text(job.status) && text(job.status) !== "done") {
    follow(job);
    return;
  }
  if (text(audio.id) && text(audio.status) === "done") {
    const media = aiozAudio(audio);
    if (media) play(media);
    return;
  }
  if (text(job.status)) {
    follow(job);
    return;
  }
  if (text(audio.id)) {
    generation++;
    stopPlayback();
    header(text(audio.title) ?? "Audio", providerNames.aioz as string);
    setState("empty");
    showMessage(`This audio is ${text(audio.status) ?? "not ready"}; nothing to play yet.`);
    return;
  }
  generation++;
  stopPlayback();
  header("No media", "");
  setState("empty");
  showMessage("This result carries no media.");
}

function applyTheme(theme: unknown): void {
  if (theme === "light" || theme === "dark") document.documentElement.dataset.theme = theme;
}

app.ontoolinput = (params) => {
  toolInput = record(params.arguments);
};
app.ontoolresult = (params) => render(params as CallToolResult);
app.onhostcontextchanged = (context) => applyTheme(context.theme);

app
  .connect()
  .then(() => applyTheme(app.getHostContext()?.theme))
  .catch((error: unknown) => {
    setState("error");
    showMessage(`Could not connect to the host: ${(error as Error).message}`);
  });
