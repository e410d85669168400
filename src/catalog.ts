import { jobOperations } from "./jobs/operations.js";
import { aioz } from "./providers/aioz/index.js";
import { aistudios } from "./providers/aistudios/index.js";
import type { Provider } from "./providers/types.js";
import { videodb } from "./providers/videodb/index.js";
import type { Operation } from "./tools/operation.js";
import { type ProviderId, providerIds } from "./types.js";

/**
 * The catalog: every provider mediagate knows, and so every operation. The only module that knows them
 * all; the registry, the executor and the client layer take what they need from it as arguments.
 * Adding a provider: its folder under src/providers/, its id in `providerIds` (src/types.ts), and its
 * line here (the compiler asks for each).
 */
const byId: Readonly<Record<ProviderId, Provider>> = { videodb, aioz, aistudios };

/** Every provider, in the order their tools are listed. */
export const providers: readonly Provider[] = providerIds.map((id) => byId[id]);

export function providerById(id: ProviderId): Provider {
  return byId[id];
}

/** Every operation mediagate has, in the order tools are listed. */
export const allOperations: readonly Operation[] = [
  ...providers.flatMap((provider) => provider.operations),
  ...jobOperations,
];
