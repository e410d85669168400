// Builds dist/: the player view as one self-contained HTML file, then the server bundle that serves it.
// `node scripts/build.mjs --mcpb <dir>` builds the server for an MCP Bundle instead: one file with every
// dependency inside (undici included), so the bundle needs no node_modules.
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { build } from "esbuild";

const root = path.resolve(import.meta.dirname, "..");
const banner =
  "import { createRequire as __mediagateRequire } from 'node:module'; const require = __mediagateRequire(import.meta.url);";

/**
 * zod (which the server and the MCP Apps SDK validate with) exports every language's error messages as one
 * namespace that no bundler can trim; mediagate needs English only, which zod sets up by default.
 */
const englishOnly = {
  name: "zod-english-only",
  setup(builder) {
    builder.onResolve({ filter: /\/locales\/index\.js$/ }, (args) =>
      args.importer.includes(`${path.sep}zod${path.sep}`)
        ? { path: path.join(path.dirname(args.importer), "../locales/en.js"), namespace: "zod-english" }
        : undefined,
    );
    builder.onLoad({ filter: /.*/, namespace: "zod-english" }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(args.path)};`,
      resolveDir: path.dirname(args.path),
    }));
  },
};

/**
 * The SDK's server makes its default JSON Schema validator (Ajv with ajv-formats, two copies of Ajv in
 * all: over 360 KB, compiled at every start) unless it is given one, for checking answers to elicitation
 * requests. mediagate elicits nothing and always gives its own (src/schema-validator.ts), so the default
 * is left out of the server. Should the SDK move the module, the build fails here, so Ajv never comes back
 * unnoticed.
 */
const withoutDefaultValidator = {
  name: "sdk-server-without-ajv",
  setup(builder) {
    let replaced = 0;
    builder.onResolve({ filter: /\/validation\/ajv-provider\.js$/ }, (args) => {
      if (!args.importer.includes(path.join("@modelcontextprotocol", "sdk", "dist", "esm", "server"))) return;
      replaced++;
      return { path: "ajv-provider", namespace: "sdk-server-without-ajv" };
    });
    builder.onLoad({ filter: /.*/, namespace: "sdk-server-without-ajv" }, () => ({
      contents:
        "export class AjvJsonSchemaValidator { constructor() { throw new Error('this build has no Ajv: give the server a jsonSchemaValidator'); } }",
    }));
    builder.onEnd((result) => {
      if (replaced === 0 && result.errors.length === 0) {
        result.errors.push({
          text: "the SDK's server no longer imports validation/ajv-provider.js: update sdk-server-without-ajv in scripts/build.mjs",
        });
      }
    });
  },
};

/**
 * The runtime dependencies stay outside the npm package's build, loaded from node_modules: undici's index
 * (while the modules src/client/http-core.ts takes from it are built in; esbuild's own `external` would
 * leave out every path under the package, so the index alone is marked here), ipaddr.js, and jose, which
 * checks OAuth access tokens: a security fix to either reaches users through npm, without a release of
 * mediagate.
 */
const runtimeDependenciesExternal = {
  name: "runtime-dependencies-external",
  setup(builder) {
    builder.onResolve({ filter: /^(undici|ipaddr\.js|jose)$/ }, (args) => ({
      path: args.path,
      external: true,
    }));
  },
};

/** The view's script inlined into its page: hosts load a ui:// resource as one document, with no server behind it. */
async function playerHtml() {
  const script = await build({
    entryPoints: [path.join(root, "src/player/view/main.ts")],
    bundle: true,
    format: "iife",
    platform: "browser",
    target: "es2022",
    minify: true,
    legalComments: "none",
    write: false,
    logLevel: "warning",
    plugins: [englishOnly],
  });
  const js = script.outputFiles[0].text.replace(/<\/(script)/gi, "<\\/$1");
  const page = readFileSync(path.join(root, "src/player/view/index.html"), "utf8");
  const [before, after] = page.split("<!-- script -->");
  if (after === undefined) throw new Error("src/player/view/index.html has no <!-- script --> marker");
  return `${before}<script>${js}</script>${after}`;
}

async function server(outdir, forBundle) {
  await build({
    entryPoints: forBundle
      ? { index: path.join(root, "src/bundle/entry.ts") }
      : [path.join(root, "src/cli.ts")],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20.18",
    outdir,
    ...(forBundle ? {} : { splitting: true, chunkNames: "[name]-[hash]", sourcemap: true }),
    // The npm package loads undici's index from node_modules for URL upload sources; the part provider
    // requests use (src/client/http-core.ts) is built in either way. The MCP Bundle carries all of it.
    legalComments: "none",
    // Less to read and compile at every start (1.7 → 1.3 MB; compiling the bundle is start-up's largest
    // cost); names stay, so stack traces and profiles still read.
    minifyWhitespace: true,
    // The server speaks English too: zod's other locales are a quarter of the bundle, compiled at every start.
    plugins: forBundle
      ? [englishOnly, withoutDefaultValidator]
      : [englishOnly, withoutDefaultValidator, runtimeDependenciesExternal],
    logLevel: "warning",
    banner: { js: banner },
  });
  // The sandbox's media assets, read beside the module at run time.
  cpSync(path.join(root, "src/sandbox/assets"), path.join(outdir, "assets"), { recursive: true });
}

const mcpbAt = process.argv.indexOf("--mcpb");
if (mcpbAt >= 0) {
  const outdir = path.resolve(process.argv[mcpbAt + 1] ?? "bundle/server");
  mkdirSync(outdir, { recursive: true });
  await server(outdir, true);
  writeFileSync(path.join(outdir, "player.html"), await playerHtml());
} else {
  const outdir = path.join(root, "dist");
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  writeFileSync(path.join(outdir, "player.html"), await playerHtml());
  await server(outdir, false);
}
