// Inlined by the build, so a bundle without package.json beside it (the MCP Bundle) knows its version.
import packageJson from "../package.json" with { type: "json" };

export const version: string = packageJson.version;
