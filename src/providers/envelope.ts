import { MediagateError } from "../errors.js";

/** Small readers for providers' loosely typed answers. */

export function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

export function asString(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** A number that may arrive as a string ("123.4"), as VideoDB's `length` does. */
export function asNumber(value: unknown): number | undefined {
  const number = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  return typeof number === "number" && Number.isFinite(number) ? number : undefined;
}

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** Copies only the fields that are set, so results carry no nulls or empty strings. */
export function compact<T extends Record<string, unknown>>(object: T): Partial<T> {
  // A plain loop: this runs on every result, and entries/filter/fromEntries cost several times as much.
  const kept: Record<string, unknown> = {};
  for (const key of Object.keys(object)) {
    const value = object[key];
    if (value !== undefined && value !== null && value !== "") kept[key] = value;
  }
  return kept as Partial<T>;
}

/**
 * A string the tool's result cannot do without (a URL, an id). Its absence makes a clear error naming the
 * provider and the field, rather than a result with an empty URL.
 */
export function requiredString(value: unknown, field: string, provider: string): string {
  const text = asString(value);
  if (text === undefined) {
    throw new MediagateError("bad_response", `answered without ${field}`, {
      provider,
      remedy:
        "The provider's answer lacks what this tool returns; try again, and check the base URL points at the provider's API.",
    });
  }
  return text;
}
