// The player page: turns a mediagate tool result into something to watch or hear. It runs in the host's
// sandboxed iframe, talks to the host only through the MCP Apps bridge, and fetches nothing but media.
import { App } from "@modelcontextprotocol/ext-apps";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import Hls from "hls.js/light";
import { MEDIA_META_KEY, type MediaKind } from "../meta.js";

type Json = Record<string, unknown>;

interface Source {
  url: string;
  /** hls: a playlist; progressive: a file the element plays directly. */
  type: "hls" | "progressive";
}

interface Media {
  title: string;
  kind: MediaKind;
  provider: string;
  durationSec?: number;
  sources: Source[];
  /** Asked for only when the sources before it fail: the progressive variant costs a tool call. */
  fallback?: () => Promise<Source | undefined>;
  /** Shown when nothing plays: the provider's own player page, or the media URL itself. */
  link: string;
  /** A video's still, shown before it plays. */
  poster?: string;
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
/**
 * A URL from a result, only if it is http(s): anything else (`javascript:`, `data:`) never reaches an
 * element, a link or the host's openLink.
 */
function httpUrl(value: unknown): string | undefined {
  const candidate = text(value);
  if (!candidate) return undefined;
  try {
    const { protocol } = new URL(candidate);
    return protocol === "https:" || protocol === "http:" ? candidate : undefined;
  } catch {
    return undefined;
  }
}
const isMediaKind = (value: unknown): value is MediaKind =>
  value === "video" || value === "audio" || value === "image";
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
  const safe = httpUrl(link);
  if (safe) box.append(linkTo(safe, "Open the media"));
  stage.replaceChildren(box);
}

/** A file fetched into memory because the host's policy let the element fetch nothing but blob: URLs. */
let objectUrl: string | undefined;

function stopPlayback(): void {
  hls?.destroy();
  hls = undefined;
  if (objectUrl) URL.revokeObjectURL(objectUrl);
  objectUrl = undefined;
}

class PolicyBlocked extends Error {}

/**
 * The file behind `url` as a blob: URL. The view's CSP lets elements load media only from origins that
 * could also serve it a script (ext-apps' resourceDomains); origins that hold users' uploads are declared
 * for fetch alone (connectDomains), and their files play from memory where the host allows blob: media.
 */
async function inMemory(url: string): Promise<string> {
  const answer = await fetch(url);
  if (!answer.ok) throw new Error(`HTTP ${answer.status}`);
  const blob = await answer.blob();
  if (objectUrl) URL.revokeObjectURL(objectUrl);
  objectUrl = URL.createObjectURL(blob);
  return objectUrl;
}

const isHls = (url: string) => /\.m3u8($|\?)|\/m3u8($|\?)/i.test(url);

/**
 * Resolves once the element has the media's metadata (an image: has loaded); rejects on a media error, a
 * blocked source (PolicyBlocked) or a timeout.
 */
function loaded(element: HTMLMediaElement | HTMLImageElement): Promise<void> {
  const ready = element instanceof HTMLImageElement ? "load" : "loadedmetadata";
  return new Promise((resolve, reject) => {
    const done = (error?: Error) => {
      clearTimeout(timer);
      element.removeEventListener(ready, onLoaded);
      element.removeEventListener("error", onError);
      document.removeEventListener("securitypolicyviolation", onBlocked);
      if (error) reject(error);
      else resolve();
    };
    const onLoaded = () => done();
    const onError = () =>
      done(
        new Error(
          (element instanceof HTMLMediaElement && element.error?.message) || "the media could not be loaded",
        ),
      );
    const onBlocked = (event: SecurityPolicyViolationEvent) =>
      done(new PolicyBlocked(`blocked by the host's policy (${event.violatedDirective})`));
    const timer = setTimeout(() => done(new Error("the media took too long to load")), LOAD_TIMEOUT_MS);
    element.addEventListener(ready, onLoaded);
    element.addEventListener("error", onError);
    document.addEventListener("securitypolicyviolation", onBlocked);
  });
}

/** Loads a file into the element: from its URL, or from memory where the host's policy refuses the URL. */
async function loadFile(
  element: HTMLMediaElement | HTMLImageElement,
  url: string,
): Promise<"progressive" | "blob"> {
  try {
    const ready = loaded(element);
    element.src = url;
    await ready;
    return "progressive";
  } catch (error) {
    if (!(error instanceof PolicyBlocked)) throw error;
    const local = await inMemory(url);
    const ready = loaded(element);
    element.src = local;
    await ready;
    return "blob";
  }
}

/** One attempt at one source: native playback first, hls.js (Media Source Extensions) where there is none. */
async function attach(element: HTMLMediaElement | HTMLImageElement, source: Source): Promise<string> {
  stopPlayback();
  if (source.type === "progressive") return loadFile(element, source.url);
  if (element instanceof HTMLImageElement) throw new Error("a playlist is no image");
  if (element.canPlayType("application/vnd.apple.mpegurl") !== "") {
    const ready = loaded(element);
    element.src = source.url;
    await ready;
    return "hls-native";
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
  const element = media.kind === "image" ? document.createElement("img") : document.createElement(media.kind);
  if (element instanceof HTMLImageElement) {
    element.alt = media.title;
  } else {
    element.controls = true;
    element.preload = "metadata";
    element.setAttribute("playsinline", "");
    if (media.poster) element.setAttribute("poster", media.poster);
  }
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
      if (
        media.durationSec === undefined &&
        element instanceof HTMLMediaElement &&
        Number.isFinite(element.duration)
      ) {
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

/** Where the provider's own page for the media may be: the link offered when nothing plays here. */
const linkFields = ["player_url", "hls_player_url", "dash_player_url"] as const;

/**
 * The media a result (or a finished job's result, or a list's item) holds, read from the URL fields every
 * tool uses: `stream_url` (HLS or a file), `url` and `download_url` (files), `thumbnail_url` (a video's
 * still, or the image itself where nothing else is). The result's own `media_type` names the media first:
 * a tool that takes any type (an upload) can only declare the usual one. Then the tool's declaration
 * (`kind`), and only then which URL the result has.
 */
function fromFields(
  fields: Json,
  kind: MediaKind | undefined,
  provider: string,
  input: Json = {},
): Media | undefined {
  const stream = httpUrl(fields.stream_url);
  const file = httpUrl(fields.url) ?? httpUrl(fields.download_url);
  const thumbnail = httpUrl(fields.thumbnail_url);
  const media =
    (isMediaKind(fields.media_type) ? fields.media_type : undefined) ?? kind ?? (stream ? "video" : "audio");
  const sources: Source[] =
    media === "image"
      ? [file ?? thumbnail].filter((url): url is string => !!url).map((url) => ({ url, type: "progressive" }))
      : [stream, file]
          .filter((url): url is string => !!url)
          .map((url) => ({ url, type: isHls(url) ? "hls" : "progressive" }));
  const first = sources[0];
  if (!first) return undefined;
  const id = text(fields.id) ?? text(fields.video_id) ?? text(fields.audio_id) ?? text(fields.image_id);
  const videoId =
    text(fields.video_id) ??
    (text(fields.id)?.startsWith("m-") ? text(fields.id) : undefined) ??
    text(input.video_id);
  const meta = record(Array.isArray(fields.meta) ? fields.meta[0] : fields.meta);
  const noun = { video: "Video", audio: "Audio", image: "Image" }[media];
  const timeline = input.timeline;
  return {
    title: text(fields.name) ?? text(fields.title) ?? text(fields.file_name) ?? (id ? `${noun} ${id}` : noun),
    kind: media,
    provider: providerNames[provider] ?? "",
    durationSec: number(fields.length) ?? number(fields.duration) ?? number(meta.duration),
    sources,
    link: linkFields.map((field) => httpUrl(fields[field])).find(Boolean) ?? first.url,
    ...(media === "video" && thumbnail ? { poster: thumbnail } : {}),
    // VideoDB makes a progressive variant of any stream on request: asked for only when the stream fails.
    fallback:
      provider === "videodb" && media === "video" && stream && videoId
        ? async () => {
            const result = await app.callServerTool({
              name: "videodb_generate_stream",
              arguments: { video_id: videoId, format: "mp4", ...(timeline ? { timeline } : {}) },
            });
            const url = httpUrl(record(result.structuredContent).stream_url);
            return !result.isError && url ? { url, type: "progressive" } : undefined;
          }
        : undefined,
  };
}

function aiozAudio(audio: Json): Media | undefined {
  const assets = { ...audio, ...record(audio.assets) };
  const hlsUrl = httpUrl(assets.hls_url) ?? httpUrl(assets.stream_url);
  const progressive = [httpUrl(assets.mp4_url), httpUrl(assets.source_url)].filter(
    (url): url is string => !!url,
  );
  const first = hlsUrl ?? progressive[0];
  if (!first) return undefined;
  return {
    title: text(audio.title) ?? "Audio",
    kind: "audio",
    provider: providerNames.aioz as string,
    durationSec: number(audio.duration),
    sources: [
      ...(hlsUrl ? [{ url: hlsUrl, type: "hls" as const }] : []),
      ...progressive.map((url) => ({ url, type: "progressive" as const })),
    ],
    link: httpUrl(assets.hls_player_url) ?? httpUrl(assets.player_url) ?? first,
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
  const media = result.isError
    ? undefined
    : fromFields({ ...item, url: record(result.structuredContent).url }, "audio", "videodb");
  if (!media) {
    setState("link");
    showMessage("VideoDB gave no URL for this audio.");
    return;
  }
  await play(media);
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

/**
 * Follows a running job through job_status (a tool the view may call) until it is done or failed; `kind`
 * is the media the tool that started it declared.
 */
async function follow(job: Json, kind: MediaKind | undefined): Promise<void> {
  const mine = ++generation;
  let current = job;
  for (;;) {
    const status = text(current.status);
    if (status === "done") return showJobResult(current, kind);
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

async function showJobResult(job: Json, kind: MediaKind | undefined): Promise<void> {
  const result = record(job.result);
  const provider = text(job.provider) ?? "";
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
  const media = fromFields(result, kind, provider);
  if (media) return play(media);
  setState("done");
  header("Done", providerNames[provider] ?? "");
  showMessage("The job is done; its result carries no media to play.");
}

/**
 * The tool the host opened the view for (MCP Apps host context `toolInfo`): its provider, from the name's
 * prefix, and the media its declaration names in `_meta`. Hosts that send no tool info leave both unknown.
 */
function openedFor(): { provider: string | undefined; media: MediaKind | undefined } {
  const tool = app.getHostContext()?.toolInfo?.tool;
  const prefix = tool?.name.split("_")[0] ?? "";
  const declared = tool?._meta?.[MEDIA_META_KEY];
  return {
    provider: prefix in providerNames ? prefix : undefined,
    media: isMediaKind(declared) ? declared : undefined,
  };
}

function nothingToPlay(title: string, provider: string, state: string, message: string): void {
  generation++;
  stopPlayback();
  header(title, provider);
  setState(state);
  showMessage(message);
}

function render(result: CallToolResult): void {
  listElement.replaceChildren();
  if (result.isError) {
    nothingToPlay("No media", "", "error", "The tool reported an error; nothing to play.");
    return;
  }
  const content = record(result.structuredContent);
  const tool = openedFor();
  if (Array.isArray(content.videos)) {
    const videos = content.videos.map(record);
    const provider = tool.provider ?? "videodb";
    showList(
      `${videos.length} video${videos.length === 1 ? "" : "s"}`,
      providerNames[provider] ?? "",
      videos.map((video) =>
        listRow(text(video.name) ?? text(video.id) ?? "Video", formatDuration(number(video.length)), () => {
          const media = fromFields(video, "video", provider);
          if (media) play(media);
          else showMessage("This video has no stream yet.");
        }),
      ),
    );
    return;
  }
  if (Array.isArray(content.audios)) {
    const audios = content.audios.map(record);
    // Without tool info, AIOZ's media objects tell themselves apart by their own fields.
    const provider =
      tool.provider ??
      (audios.some((audio) => "title" in audio || "hls_url" in audio || "assets" in audio)
        ? "aioz"
        : "videodb");
    showList(
      `${audios.length} audio${audios.length === 1 ? "" : "s"}`,
      providerNames[provider] ?? "",
      audios.map((audio) =>
        listRow(
          text(audio.title) ?? text(audio.name) ?? text(audio.id) ?? "Audio",
          formatDuration(number(audio.duration) ?? number(audio.length)),
          () => {
            if (provider === "videodb") {
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
  const job = record(content.job);
  const audio = record(content.audio);
  if (text(job.status) && text(job.status) !== "done") {
    follow(job, tool.media);
    return;
  }
  if (text(audio.id) && text(audio.status) === "done") {
    const media = aiozAudio(audio);
    if (media) play(media);
    return;
  }
  if (text(job.status)) {
    follow(job, tool.media);
    return;
  }
  if (text(audio.id)) {
    nothingToPlay(
      text(audio.title) ?? "Audio",
      providerNames.aioz as string,
      "empty",
      `This audio is ${text(audio.status) ?? "not ready"}; nothing to play yet.`,
    );
    return;
  }
  const media = fromFields(content, tool.media, tool.provider ?? "", toolInput);
  if (media) {
    play(media);
    return;
  }
  nothingToPlay("No media", "", "empty", "This result carries no media.");
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
