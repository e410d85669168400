import type { ProviderConfig } from "../types.js";
import type { Provider, ProviderDeclaration, ProviderEnvironment } from "./types.js";

const isSet = (env: NodeJS.ProcessEnv, name: string) => Boolean(env[name]?.trim());

/**
 * The credential variables as a phrase, preferred set first: `AIOZ_STREAM_TOKEN (or
 * AIOZ_STREAM_PUBLIC_KEY and AIOZ_STREAM_SECRET_KEY)`; `joiner` joins the variables of one set.
 */
export function credentialPhrase(environment: ProviderEnvironment, joiner = " and "): string {
  const [first, ...others] = environment.credentials.map((set) => set.map((v) => v.name).join(joiner));
  return others.length === 0 ? (first ?? "") : `${first} (or ${others.join(", or ")})`;
}

/** Every variable the provider reads: its credentials and its base URL. */
export function environmentVariables(environment: ProviderEnvironment): string[] {
  return [...environment.credentials.flat().map((v) => v.name), environment.baseUrl.variable];
}

/**
 * The credential set `env` configures the provider with, or (when none is whole) the last set: the one a
 * configuration snippet suggests, since it runs unattended.
 */
export function credentialSet(environment: ProviderEnvironment, env: NodeJS.ProcessEnv) {
  const whole = environment.credentials.find((set) => set.every((v) => isSet(env, v.name)));
  return whole ?? environment.credentials[environment.credentials.length - 1] ?? [];
}

/** A variable of a set that is given while its partner is not: almost always a mistake in the environment. */
export function missingPartner(
  environment: ProviderEnvironment,
  env: NodeJS.ProcessEnv,
): { set: string; missing: string } | undefined {
  for (const set of environment.credentials) {
    if (set.length < 2) continue;
    const given = set.find((v) => isSet(env, v.name));
    const missing = set.find((v) => !isSet(env, v.name));
    if (given && missing) return { set: given.name, missing: missing.name };
  }
  return undefined;
}

/** The provider's configuration: the base URL, and the first whole credential set; undefined without one. */
export function readConfig(
  environment: ProviderEnvironment,
  env: NodeJS.ProcessEnv,
): ProviderConfig | undefined {
  const set = environment.credentials.find((candidate) => candidate.every((v) => isSet(env, v.name)));
  if (!set) return undefined;
  const credentials: Record<string, string> = {};
  const secrets: string[] = [];
  for (const variable of set) {
    const value = env[variable.name]?.trim() ?? "";
    credentials[variable.name] = value;
    if (variable.secret) secrets.push(value);
  }
  const baseUrl = env[environment.baseUrl.variable]?.trim() || environment.baseUrl.default;
  return { baseUrl, credentials, secrets };
}

/** A provider from its declaration: the credential phrase and `configFromEnv` follow from its environment. */
export function defineProvider(declaration: ProviderDeclaration): Provider {
  return {
    ...declaration,
    credentialVariables: credentialPhrase(declaration.environment),
    configFromEnv: (env) => readConfig(declaration.environment, env),
  };
}
