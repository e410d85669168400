import assert from "node:assert/strict";

/** A value's JSON form with every leaf replaced by its type: how placeholder examples are compared. */
export function shape(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(shape);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([key, item]) => [key, shape(item)]),
    );
  }
  return typeof value;
}

export interface CoverOptions {
  /**
   * A numeric string stands for a number: VideoDB sends some lengths as strings, which both SDKs read
   * through `float()` / `Number()`.
   */
  numericStrings?: boolean;
  /**
   * `null` stands for a list or an object: a Go service (AIOZ) marshals an empty slice or an absent
   * struct as null.
   */
  nullForStructures?: boolean;
  /** Paths (`data.media[].assets.mp4_url`) the answer may leave out, each with the reason. */
  mayOmit?: Record<string, string>;
}

/** Where `actual` lacks a field of `example` or has another type there; empty when it covers it. */
export function shapeGaps(actual: unknown, example: unknown, options: CoverOptions = {}, at = ""): string[] {
  const where = at || "(top)";
  if (example === null) return [];
  if (actual === null && options.nullForStructures && typeof example === "object") return [];
  if (Array.isArray(example)) {
    if (!Array.isArray(actual)) return [`${where}: a list in the example, ${typeof actual} here`];
    if (example.length > 0 && actual.length === 0) return [`${where}: empty, the example has items`];
    const [first] = example;
    return actual.flatMap((item) => shapeGaps(item, first, options, `${at}[]`));
  }
  if (typeof example === "object") {
    if (actual === null || typeof actual !== "object" || Array.isArray(actual)) {
      return [`${where}: an object in the example, ${actual === null ? "null" : typeof actual} here`];
    }
    const record = actual as Record<string, unknown>;
    return Object.entries(example).flatMap(([key, item]) => {
      const path = at ? `${at}.${key}` : key;
      if (record[key] === undefined) return options.mayOmit?.[path] ? [] : [`${path}: missing`];
      return shapeGaps(record[key], item, options, path);
    });
  }
  if (typeof actual === typeof example) return [];
  if (
    options.numericStrings &&
    typeof example === "number" &&
    typeof actual === "string" &&
    Number.isFinite(Number(actual))
  ) {
    return [];
  }
  return [`${where}: ${typeof example} in the example, ${actual === null ? "null" : typeof actual} here`];
}

/** The answer has every field of the example, each of the example's type (and may have more). */
export function assertShapeCovers(actual: unknown, example: unknown, options: CoverOptions = {}): void {
  assert.deepEqual(shapeGaps(actual, example, options), [], "the answer's shape must cover the example's");
}
