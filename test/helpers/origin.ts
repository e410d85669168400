import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before } from "node:test";

/**
 * A loopback HTTP server standing for the web a `url` upload source comes from: listening before the test
 * file's first test, closed after its last. `url` is its origin, once it listens.
 */
export function originForFile(handle: RequestListener): { readonly url: string } {
  let server: Server | undefined;
  let url = "";
  before(async () => {
    const listening = createServer(handle);
    await new Promise<void>((resolve) => listening.listen(0, "127.0.0.1", resolve));
    server = listening;
    url = `http://127.0.0.1:${(listening.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });
  return {
    get url() {
      return url;
    },
  };
}
