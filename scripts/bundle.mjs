// Builds mediagate.mcpb: manifest.json, the server as one file with every dependency inside, the player
// page and the licence. No node_modules: what runs is what esbuild put in server/index.js.
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, rmSync, statSync } from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const out = path.resolve(process.argv[2] ?? path.join(root, "mediagate.mcpb"));
const stage = path.join(root, ".tmp", "mcpb");
const manifest = JSON.parse(readFileSync(path.join(root, "manifest.json"), "utf8"));
const pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));
if (manifest.version !== pkg.version) {
  throw new Error(`manifest.json version ${manifest.version} differs from package.json ${pkg.version}`);
}

rmSync(stage, { recursive: true, force: true });
mkdirSync(stage, { recursive: true });
execFileSync(process.execPath, [path.join(root, "scripts/build.mjs"), "--mcpb", path.join(stage, "server")], {
  stdio: "inherit",
});
for (const file of ["manifest.json", "LICENSE", "README.md"])
  copyFileSync(path.join(root, file), path.join(stage, file));
const mcpb = path.join(root, "node_modules/@anthropic-ai/mcpb/dist/cli/cli.js");
execFileSync(process.execPath, [mcpb, "pack", stage, out], { stdio: ["ignore", "ignore", "inherit"] });
rmSync(stage, { recursive: true, force: true });
process.stdout.write(`${path.relative(process.cwd(), out)}: ${(statSync(out).size / 1024).toFixed(0)} KiB\n`);
