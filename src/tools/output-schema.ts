import { z } from "zod";
import type { Operation } from "./operation.js";

/**
 * An operation's output schema as tools/list shows it, converted as the SDK converts the schemas it lists
 * (`toJsonSchemaCompat`: draft-07, the output side of transforms). Tools are registered with the SDK without
 * it (see registry.ts), so the listing takes it from here.
 */
export function outputJsonSchema(
  operations: readonly Operation[],
  name: string,
): Record<string, unknown> | undefined {
  const operation = operations.find((candidate) => candidate.name === name);
  if (!operation) return undefined;
  return z.toJSONSchema(operation.output, { target: "draft-7", io: "output" }) as Record<string, unknown>;
}
