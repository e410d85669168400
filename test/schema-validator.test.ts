import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { zodSchemaValidator } from "../src/schema-validator.js";

/** A form as an elicitation request asks for one: flat, with the formats and limits the spec allows. */
const form = {
  type: "object",
  properties: {
    title: { type: "string", minLength: 1, maxLength: 20 },
    quality: { type: "string", enum: ["standard", "high"] },
    volume: { type: "number", minimum: 0, maximum: 1 },
    public: { type: "boolean" },
    email: { type: "string", format: "email" },
  },
  required: ["title", "quality"],
} as const;

describe("the JSON Schema validator the server gives the SDK", () => {
  const validate = zodSchemaValidator.getValidator<Record<string, unknown>>(form);

  it("accepts an answer that matches the form, and returns it", () => {
    const answer = { title: "Intro", quality: "high", volume: 0.5, public: true, email: "a@example.com" };
    assert.deepEqual(validate(answer), { valid: true, data: answer, errorMessage: undefined });
  });

  it("refuses a missing field, a value outside the enum, a number out of range and a bad email, naming each", () => {
    const result = validate({ quality: "ultra", volume: 2, email: "nobody" });
    assert.equal(result.valid, false);
    for (const field of ["title", "quality", "volume", "email"]) {
      assert.match(result.errorMessage ?? "", new RegExp(field), field);
    }
  });
});

describe("the built server", () => {
  it("carries no Ajv: the SDK's default validator is left out of the build", () => {
    const dist = path.resolve(import.meta.dirname, "../dist");
    const scripts = readdirSync(dist).filter((name) => name.endsWith(".js"));
    assert.ok(scripts.includes("cli.js"), "dist/cli.js is built");
    // Option names of Ajv's own constructor: in any build that carries Ajv, in none that does not.
    const ajvOptions = ["strictSchema", "unicodeRegExp"];
    for (const name of scripts) {
      const code = readFileSync(path.join(dist, name), "utf8");
      for (const option of ajvOptions) assert.ok(!code.includes(option), `${name} carries Ajv (${option})`);
    }
  });
});
