import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { allOperations, providerById, providers } from "../src/catalog.js";
import { parseRoute } from "../src/client/route.js";
import { stdioClientConfig } from "../src/client-config.js";
import { jobOperations } from "../src/jobs/operations.js";
import { environmentVariables } from "../src/providers/environment.js";
import type { Provider } from "../src/providers/types.js";
import { startSandbox } from "../src/sandbox/index.js";
import { providerIds } from "../src/types.js";
import { runCli } from "./helpers/server-process.js";

/** What a provider module (`src/providers/<id>/index.ts`) must declare, and what it may. */
const requiredKeys = ["id", "name", "environment", "auth", "unwrap", "operations", "probe"];
const optionalKeys = ["jobs", "authRemedy", "doctorNotes"];
/** What `defineProvider` derives from the declaration's environment. */
const derivedKeys = ["credentialVariables", "configFromEnv"];

const fake = (name: string) => `value-of-${name.toLowerCase()}`;

describe("adding a provider is one folder and one line", () => {
  test("the catalog has exactly one provider for each provider id, in that order", () => {
    assert.deepEqual(
      providers.map((provider) => provider.id),
      [...providerIds],
    );
  });

  for (const id of providerIds) {
    test(`src/providers/${id}/index.ts exports the ${id} provider, with every required field and no other`, async () => {
      const module = (await import(`../src/providers/${id}/index.js`)) as Record<string, unknown>;
      const provider = module[id] as Provider | undefined;
      assert.equal(provider, providerById(id), `the module exports "${id}", the catalog's provider`);
      const keys = Object.keys(provider as object);
      for (const key of [...requiredKeys, ...derivedKeys]) assert.ok(keys.includes(key), `${id}: ${key}`);
      for (const key of keys) {
        assert.ok(
          [...requiredKeys, ...optionalKeys, ...derivedKeys].includes(key),
          `${id}: "${key}" is not part of a provider`,
        );
      }
    });
  }

  test("every operation mediagate has comes from the catalog's providers, then the job tools", () => {
    assert.deepEqual(allOperations, [
      ...providers.flatMap((provider) => provider.operations),
      ...jobOperations,
    ]);
  });
});

describe("a provider's environment is complete and its own", () => {
  test("the sandbox's environment configures every provider at its emulator, and names no other variable", async () => {
    const sandbox = await startSandbox();
    try {
      const env = sandbox.env();
      const read = new Set(providers.flatMap((provider) => environmentVariables(provider.environment)));
      for (const name of Object.keys(env)) assert.ok(read.has(name), `${name} is read by a provider`);
      for (const provider of providers) {
        const config = provider.configFromEnv(env);
        assert.ok(config, `${provider.id} is configured`);
        assert.equal(config.baseUrl, env[provider.environment.baseUrl.variable]);
        assert.match(config.baseUrl, /^http:\/\/127\.0\.0\.1:/);
      }
    } finally {
      await sandbox.close();
    }
  });

  test("no two providers read the same variable, and every variable names its provider's prefix", () => {
    const seen = new Map<string, string>();
    for (const provider of providers) {
      const variables = environmentVariables(provider.environment);
      const prefix = provider.environment.baseUrl.variable.replace(/BASE_URL$/, "");
      assert.ok(
        prefix.endsWith("_") && prefix.length > 1,
        `${provider.id}: base URL variable ends in BASE_URL`,
      );
      for (const name of variables) {
        assert.match(name, /^[A-Z][A-Z0-9_]*$/, `${provider.id}: ${name}`);
        assert.ok(name.startsWith(prefix), `${provider.id}: ${name} starts with ${prefix}`);
        assert.equal(seen.get(name), undefined, `${name} read by ${seen.get(name)} and ${provider.id}`);
        seen.set(name, provider.id);
      }
    }
  });

  for (const provider of providers) {
    const { environment } = provider;
    test(`${provider.id}: a default https base URL, credential sets with placeholders and at least one secret`, () => {
      assert.match(environment.baseUrl.default, /^https:\/\/[^/]+/);
      assert.ok(environment.credentials.length > 0);
      for (const set of environment.credentials) {
        assert.ok(set.length > 0, "a credential set names at least one variable");
        assert.ok(
          set.some((variable) => variable.secret),
          "a credential set has a secret",
        );
        for (const variable of set) assert.match(variable.placeholder, /^<your .+>$/, variable.name);
      }
    });

    test(`${provider.id}: each credential set configures it alone, its secrets kept secret; half a set configures nothing`, () => {
      assert.equal(provider.configFromEnv({}), undefined);
      for (const set of environment.credentials) {
        const env = Object.fromEntries(set.map((variable) => [variable.name, ` ${fake(variable.name)} `]));
        const config = provider.configFromEnv(env);
        assert.ok(config, `configured by ${set.map((variable) => variable.name).join(" + ")}`);
        assert.equal(config.baseUrl, environment.baseUrl.default);
        assert.deepEqual(config.credentials, Object.fromEntries(set.map((v) => [v.name, fake(v.name)])));
        assert.deepEqual(
          config.secrets,
          set.filter((variable) => variable.secret).map((variable) => fake(variable.name)),
        );
        const moved = provider.configFromEnv({
          ...env,
          [environment.baseUrl.variable]: "http://127.0.0.1:9",
        });
        assert.equal(moved?.baseUrl, "http://127.0.0.1:9");
        if (set.length > 1) {
          const [first] = set;
          assert.equal(provider.configFromEnv({ [first?.name ?? ""]: "x" }), undefined);
        }
      }
    });

    test(`${provider.id}: its phrase, --help and the client snippet name its credentials`, async () => {
      for (const variable of environment.credentials.flat()) {
        assert.ok(provider.credentialVariables.includes(variable.name), variable.name);
      }
      const snippet = stdioClientConfig({ configured: [provider.id] }) as {
        mcpServers: { mediagate: { env: Record<string, string> } };
      };
      const last = environment.credentials[environment.credentials.length - 1] ?? [];
      assert.deepEqual(
        snippet.mcpServers.mediagate.env,
        Object.fromEntries(last.map((variable) => [variable.name, variable.placeholder])),
      );
      const help = await runCli(["--help"]);
      for (const name of environmentVariables(environment)) assert.ok(help.stdout.includes(name), name);
    });

    test(`${provider.id}: its tools are its own, named for it, and its probe is one of its read-only tools`, () => {
      assert.ok(provider.operations.length > 0);
      for (const operation of provider.operations) {
        assert.equal(operation.toolset, provider.id, operation.name);
        assert.ok(operation.name.startsWith(`${provider.id}_`), operation.name);
        if (operation.kind === "endpoint") assert.equal(operation.provider, provider.id, operation.name);
      }
      const probe = provider.operations.find((operation) => operation.name === provider.probe.operation);
      assert.ok(probe, `${provider.probe.operation} is a ${provider.id} tool`);
      assert.equal(probe.annotations.readOnlyHint, true);
      assert.doesNotThrow(() => probe.input.parse(provider.probe.input));
      if (provider.operations.some((operation) => operation.startsJob)) {
        assert.ok(provider.jobs, `${provider.id} starts jobs, so it says how they are polled`);
      }
    });
  }
});

describe("every operation is an endpoint or a procedure", () => {
  for (const operation of allOperations) {
    test(`${operation.name}: ${operation.kind}, with only its own kind's fields`, () => {
      const fields = Object.keys(operation);
      if (operation.kind === "procedure") {
        for (const field of ["route", "provider", "fixed", "local", "request", "toResult", "safeToRetry"]) {
          assert.ok(!fields.includes(field), `a procedure has no ${field}`);
        }
        assert.equal(typeof operation.run, "function");
        return;
      }
      assert.ok(!fields.includes("run"), "an endpoint has no run");
      const shape = Object.keys(operation.input.shape);
      for (const variable of parseRoute(operation.route).variables) {
        assert.ok(shape.includes(variable), `route variable ${variable} is an input field`);
      }
      for (const field of operation.local ?? [])
        assert.ok(shape.includes(field), `local ${field} is an input field`);
      for (const field of Object.keys(operation.fixed ?? {})) {
        assert.ok(!shape.includes(field), `fixed ${field} is not also an input field`);
      }
    });

    test(`${operation.name}: declares startsJob exactly when it takes wait_s and answers with a job`, () => {
      // A tool whose job is only a fallback (a transcript VideoDB is still making) answers with data.
      const job = operation.output.shape.job as { isOptional(): boolean } | undefined;
      const startsJob = "wait_s" in operation.input.shape && job !== undefined && !job.isOptional();
      assert.equal(Boolean(operation.startsJob), startsJob);
    });
  }
});
