import type { JobSource, Operation } from "../tools/operation.js";
import type { ProviderConfig, ProviderProfile } from "../types.js";

/** One variable of a credential set. */
export interface CredentialVariable {
  name: string;
  /** What a client configuration snippet shows in its place: a snippet never carries a real secret. */
  placeholder: string;
  /** Whether its value must be kept out of results, errors and logs (an app id need not be). */
  secret: boolean;
}

/**
 * Everything about a provider that lives in the environment, said once: the configuration, `--help`,
 * `mediagate doctor`, the client snippets, the sandbox's environment and the configuration errors all
 * read it.
 */
export interface ProviderEnvironment {
  /**
   * The ways to give credentials, preferred first: the first set whose variables are all set configures
   * the provider. A set of several variables needs all of them.
   */
  credentials: readonly (readonly CredentialVariable[])[];
  /** The variable that moves the provider's API elsewhere, and where it is by default. */
  baseUrl: { variable: string; default: string };
}

/** Advice `mediagate doctor` gives about a provider beyond what its check or its errors can say. */
export interface DoctorNotes {
  /** Worth saying whatever the check finds (the configuration alone tells). */
  configuration?(env: NodeJS.ProcessEnv, sandbox: boolean): string[];
  /** Worth saying after a failed check. */
  failure?(baseUrl: string): string[];
}

/** What a provider module declares (`src/providers/<id>/index.ts`); `defineProvider` adds the rest. */
export interface ProviderDeclaration extends Omit<ProviderProfile, "credentialVariables"> {
  environment: ProviderEnvironment;
  operations: readonly Operation[];
  jobs?: JobSource;
  /** A harmless read operation, with its input, that proves the credentials work (`mediagate doctor`). */
  probe: { operation: string; input: Record<string, unknown> };
  doctorNotes?: DoctorNotes;
}

/** A provider: its declaration, and what follows from its environment. */
export interface Provider extends ProviderDeclaration, ProviderProfile {
  /** The provider's configuration from the environment, or undefined when its credentials are unset. */
  configFromEnv(env: NodeJS.ProcessEnv): ProviderConfig | undefined;
}
