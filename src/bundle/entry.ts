// What an MCP Bundle host (Claude Desktop) starts. The manifest's mcp_config carries the settings: the
// chosen folders as arguments (a list setting expands only inside args), the sandbox switch and the
// credentials as environment. A setting the host leaves unset may arrive as its literal placeholder.
// With no folder chosen, local files are refused (the working directory is no root here), unless the
// client shares roots of its own.
import path from "node:path";
import { launch } from "./launch.js";

const placeholder = /^\$\{[^}]*\}$/;
for (const [name, value] of Object.entries(process.env)) {
  if (value !== undefined && placeholder.test(value)) delete process.env[name];
}
const roots = process.argv.slice(2).filter((arg) => arg !== "" && !placeholder.test(arg));
if (roots.length > 0) process.env.MEDIAGATE_FILE_ROOTS = roots.join(path.delimiter);
const sandbox = process.env.MEDIAGATE_SANDBOX === "true";
process.argv.splice(2, Infinity, ...(sandbox ? ["--sandbox"] : []));
launch.bundle = true;

await import("../cli.js");
