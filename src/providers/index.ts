import { aioz } from "./aioz/index.js";
import { aistudios } from "./aistudios/index.js";
import type { Provider, ProviderConfig, ProviderId } from "./types.js";
import { videodb } from "./videodb/index.js";

/** Every provider mediagate knows. Adding one means adding it here and nothing else. */
export const providers: readonly Provider<ProviderConfig>[] = [
  videodb as unknown as Provider<ProviderConfig>,
  aioz as unknown as Provider<ProviderConfig>,
  aistudios as unknown as Provider<ProviderConfig>,
];

export function providerById(id: ProviderId): Provider<ProviderConfig> {
  const provider = providers.find((candidate) => candidate.id === id);
  if (!provider) throw new Error(`unknown provider ${id}`);
  return provider;
}
