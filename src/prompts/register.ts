import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { type WorkflowPrompt, workflowPrompts } from "./workflows.js";

/** The prompts whose every tool is among `tools`: under `--toolsets` or `--read-only`, the others would fail. */
export function availablePrompts(
  tools: ReadonlySet<string>,
  prompts: readonly WorkflowPrompt[] = workflowPrompts,
): WorkflowPrompt[] {
  return prompts.filter((prompt) => prompt.tools.every((tool) => tools.has(tool)));
}

/**
 * Registers the prompts the server's tools can carry out. None at all leaves the `prompts` capability
 * undeclared, as the SDK declares it with the first prompt.
 */
export function registerPrompts(server: McpServer, tools: ReadonlySet<string>): void {
  for (const prompt of availablePrompts(tools)) {
    server.registerPrompt(
      prompt.name,
      { title: prompt.title, description: prompt.description, argsSchema: prompt.args },
      (args: Record<string, string | undefined>) => ({
        description: prompt.description,
        messages: [{ role: "user", content: { type: "text", text: prompt.steps(args) } }],
      }),
    );
  }
}
