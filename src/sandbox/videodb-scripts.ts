// What is said in the VideoDB emulator's videos: fixed scripts for its sample videos, and an honest
// placeholder for an uploaded one (the sandbox transcribes nothing). Spoken-word indexing, search and
// transcripts all read these, timed across the video's length.

export interface Sentence {
  start: number;
  end: number;
  text: string;
}

const scripts: Record<string, readonly string[]> = {
  // "Sandbox sample: city timelapse", 123.4 s.
  "m-5a1f0c9e3b7d2468": [
    "Good evening, and welcome to a city that never really sleeps.",
    "We start on the harbour bridge just after sunset, as the traffic lights come on.",
    "The ferries cross the water every twelve minutes, carrying commuters home.",
    "Down by the market, the food stalls open as the office towers empty out.",
    "Notice the cranes on the skyline: the new stadium should be finished next spring.",
    "By nine o'clock the trains are quieter, and the cyclists take over the river path.",
    "The weather turns around midnight, and a light rain moves in from the coast.",
    "Street cleaners work through the small hours while the bakeries fire their ovens.",
    "At dawn the first delivery vans arrive, and the harbour wakes up again.",
    "Thanks for watching this timelapse of one night in the city.",
  ],
  // "Sandbox sample: product walkthrough", 48.5 s.
  "m-c3e8a61b4f0d9725": [
    "Hi, this is a quick walkthrough of the dashboard.",
    "On the left you find your projects, sorted by the last change.",
    "The search bar finds any video by what is said in it.",
    "Let's talk about pricing: the starter plan is free for three projects.",
    "The team plan costs twelve dollars per seat each month, billed yearly.",
    "Enterprise pricing depends on storage, so contact sales for a quote.",
    "Exports go to MP4 or an HLS stream that plays anywhere.",
    "That's the tour; thanks for watching, and see you in the next update.",
  ],
};

/** Said in every uploaded video: the sandbox does not listen to files. */
const placeholder: readonly string[] = [
  "This is a placeholder transcript from the mediagate sandbox.",
  "The sandbox does not transcribe uploaded files, so every upload gets this same text.",
  "Search finds any word of it, such as placeholder, sandbox, upload or transcript.",
  "With a real VideoDB account the transcript is what your video actually says.",
];

/** Whether the video has a script of its own, or the placeholder. */
export function isPlaceholder(videoId: string): boolean {
  return !Object.hasOwn(scripts, videoId);
}

/**
 * The video's sentences, spread over its length in proportion to their length in characters, so every
 * sentence lies inside the video.
 */
export function sentencesOf(videoId: string, lengthSec: number): Sentence[] {
  const lines = scripts[videoId] ?? placeholder;
  const total = lines.reduce((sum, line) => sum + line.length, 0);
  const sentences: Sentence[] = [];
  let at = 0;
  for (const text of lines) {
    const span = (lengthSec * text.length) / total;
    sentences.push({ start: round(at), end: round(Math.min(lengthSec, at + span)), text });
    at += span;
  }
  return sentences;
}

const round = (value: number) => Math.round(value * 100) / 100;

/** Word by word: each sentence's time shared among its words by their length. */
export function wordsOf(sentences: readonly Sentence[]): Sentence[] {
  const words: Sentence[] = [];
  for (const sentence of sentences) {
    const parts = sentence.text.split(/\s+/).filter(Boolean);
    const letters = parts.reduce((sum, word) => sum + word.length, 0);
    let at = sentence.start;
    for (const word of parts) {
      const span = ((sentence.end - sentence.start) * word.length) / letters;
      words.push({ start: round(at), end: round(at + span), text: word });
      at += span;
    }
  }
  return words;
}

/** Fixed windows of `length` seconds, each with the words that start inside it. */
export function windowsOf(sentences: readonly Sentence[], length: number, lengthSec: number): Sentence[] {
  const words = wordsOf(sentences);
  const windows: Sentence[] = [];
  for (let start = 0; start < lengthSec; start += length) {
    const end = Math.min(lengthSec, start + length);
    const text = words
      .filter((word) => word.start >= start && word.start < end)
      .map((word) => word.text)
      .join(" ");
    windows.push({ start: round(start), end: round(end), text });
  }
  return windows;
}

const normalise = (word: string) => word.toLowerCase().replace(/[^\p{L}\p{N}]/gu, "");

/** Words alike when equal, or when one begins the other and they share at least five letters ("price", "pricing"). */
function alike(a: string, b: string): boolean {
  if (a === b) return true;
  const stem = Math.min(a.length, b.length, 5);
  return stem >= 4 && a.slice(0, stem) === b.slice(0, stem);
}

const ignored = new Set([
  "the",
  "a",
  "an",
  "of",
  "and",
  "or",
  "to",
  "in",
  "on",
  "is",
  "it",
  "we",
  "about",
  "where",
]);

/**
 * How well a sentence matches a query, 0 to 1: the share of the query's words found in it. A keyword
 * search asks for the query's words in that order, as one phrase.
 */
export function matchScore(query: string, text: string, keyword: boolean): number {
  if (keyword) return text.toLowerCase().includes(query.trim().toLowerCase()) ? 1 : 0;
  const wanted = query
    .split(/\s+/)
    .map(normalise)
    .filter((word) => word.length > 1 && !ignored.has(word));
  if (wanted.length === 0) return 0;
  const words = text.split(/\s+/).map(normalise);
  const found = wanted.filter((word) => words.some((candidate) => alike(word, candidate))).length;
  return Math.round((found / wanted.length) * 1000) / 1000;
}
