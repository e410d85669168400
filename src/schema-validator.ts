import type {
  JsonSchemaType,
  JsonSchemaValidator,
  jsonSchemaValidator,
} from "@modelcontextprotocol/sdk/validation";
import { z } from "zod";

/**
 * JSON Schema validation for the SDK, on zod. The SDK checks answers to elicitation requests with it,
 * which mediagate never sends; its default (Ajv with ajv-formats) is over a third of the server's code, to
 * be compiled at every start, so the build leaves it out (scripts/build.mjs) and the server gives this one.
 */
export const zodSchemaValidator: jsonSchemaValidator = {
  getValidator<T>(schema: JsonSchemaType): JsonSchemaValidator<T> {
    const parser = z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]);
    return (input) => {
      const result = parser.safeParse(input);
      return result.success
        ? { valid: true, data: result.data as T, errorMessage: undefined }
        : { valid: false, data: undefined, errorMessage: z.prettifyError(result.error) };
    };
  },
};
