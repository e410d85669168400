import assert from "node:assert/strict";
import type { LookupAddress } from "node:dns";
import { isIP } from "node:net";
import { after, before, describe, it } from "node:test";
import { isPrivateAddress } from "../src/files/address-ranges.js";
import { openUrl, type Resolve } from "../src/files/url-source.js";
import { type InProcessHarness, startInProcess } from "./helpers/in-process.js";
import { originForFile } from "./helpers/origin.js";
import { failed } from "./helpers/outcome.js";

/** Every form an address can take to reach what a `url` source must not, and public ones beside them. */
const addresses: { address: string; refused: boolean; form: string }[] = [
  { form: "IPv4 loopback", address: "127.0.0.1", refused: true },
  { form: "IPv4 loopback, elsewhere in 127/8", address: "127.53.0.1", refused: true },
  { form: "IPv4 private 10/8", address: "10.0.0.8", refused: true },
  { form: "IPv4 private 172.16/12", address: "172.20.1.1", refused: true },
  { form: "IPv4 private 192.168/16", address: "192.168.1.1", refused: true },
  { form: "IPv4 link-local (cloud metadata)", address: "169.254.169.254", refused: true },
  { form: "IPv4 carrier-grade NAT", address: "100.64.0.1", refused: true },
  { form: "IPv4 unspecified", address: "0.0.0.0", refused: true },
  { form: "IPv4 broadcast", address: "255.255.255.255", refused: true },
  { form: "IPv4 multicast", address: "224.0.0.1", refused: true },
  { form: "IPv4 reserved 240/4", address: "240.0.0.1", refused: true },
  { form: "IPv4 documentation", address: "192.0.2.1", refused: true },
  { form: "IPv4 benchmarking", address: "198.18.0.1", refused: true },
  { form: "IPv4 public", address: "93.184.216.34", refused: false },
  { form: "IPv4 public", address: "8.8.8.8", refused: false },
  { form: "IPv6 loopback", address: "::1", refused: true },
  { form: "IPv6 unspecified", address: "::", refused: true },
  { form: "IPv6 unique-local", address: "fd00::1", refused: true },
  { form: "IPv6 link-local", address: "fe80::1", refused: true },
  { form: "IPv6 site-local (deprecated)", address: "fec0::1", refused: true },
  { form: "IPv6 multicast", address: "ff02::1", refused: true },
  { form: "IPv6 documentation", address: "2001:db8::1", refused: true },
  { form: "IPv6 discard", address: "100::1", refused: true },
  { form: "IPv6 public", address: "2606:4700::1111", refused: false },
  { form: "IPv4-mapped loopback", address: "::ffff:127.0.0.1", refused: true },
  { form: "IPv4-mapped loopback, hex", address: "::ffff:7f00:1", refused: true },
  { form: "IPv4-mapped metadata", address: "::ffff:169.254.169.254", refused: true },
  { form: "IPv4-mapped public", address: "::ffff:8.8.8.8", refused: false },
  { form: "IPv4-translated loopback", address: "::ffff:0:7f00:1", refused: true },
  { form: "IPv4-compatible loopback", address: "::7f00:1", refused: true },
  { form: "IPv4-compatible loopback, dotted", address: "::127.0.0.1", refused: true },
  { form: "IPv4-compatible public (deprecated form, refused whole)", address: "::808:808", refused: true },
  { form: "6to4 around loopback", address: "2002:7f00:1::1", refused: true },
  { form: "6to4 around private 10/8", address: "2002:a00:1::1", refused: true },
  { form: "6to4 around metadata", address: "2002:a9fe:a9fe::1", refused: true },
  { form: "6to4 around a public router", address: "2002:808:808::1", refused: false },
  { form: "NAT64 well-known around loopback", address: "64:ff9b::7f00:1", refused: true },
  { form: "NAT64 well-known around metadata", address: "64:ff9b::169.254.169.254", refused: true },
  { form: "NAT64 well-known around a public address", address: "64:ff9b::8.8.8.8", refused: false },
  { form: "NAT64 local-use (layout unknown, refused whole)", address: "64:ff9b:1::808:808", refused: true },
  { form: "NAT64 local-use around loopback", address: "64:ff9b:1::7f00:1", refused: true },
  { form: "Teredo (refused whole)", address: "2001:0:4136:e378:8000:63bf:3fff:fdd2", refused: true },
  { form: "Teredo around loopback", address: "2001:0:7f00:1::1", refused: true },
];

describe("which addresses a url source may reach when serving over HTTP", () => {
  for (const { form, address, refused } of addresses) {
    it(`${refused ? "refuses" : "allows"} ${form}: ${address}`, () => {
      assert.notEqual(isIP(address), 0, `${address} is an IP address`);
      assert.equal(isPrivateAddress(address), refused);
    });
  }

  it("says nothing of a host name: names are judged by what they resolve to", () => {
    assert.equal(isPrivateAddress("localhost"), false);
  });
});

/** A resolver answering `name` with `answer`, as a DNS server under someone else's control could. */
function resolverFor(answer: string[]): Resolve {
  return (_hostname, callback) =>
    callback(
      null,
      answer.map((address): LookupAddress => ({ address, family: isIP(address) })),
    );
}

describe("a host name is judged by every address it resolves to", () => {
  const options = { allowPrivate: false, maxBytes: 1024 ** 3, signal: new AbortController().signal };

  for (const { form, address } of addresses.filter((entry) => entry.refused)) {
    it(`refuses a name resolving to ${form} (${address}), naming it, before connecting`, async () => {
      await assert.rejects(
        openUrl("http://media.example.test/take.mp3", { ...options, resolve: resolverFor([address]) }),
        (error: Error) => {
          assert.equal(
            error.message.split(",")[0],
            `url: media.example.test resolves to ${address}`,
            error.message,
          );
          assert.match(error.message, /a private or loopback address/);
          return true;
        },
      );
    });
  }

  it("refuses a name whose answer mixes a public address with a private one", async () => {
    await assert.rejects(
      openUrl("https://media.example.test/take.mp3", {
        ...options,
        resolve: resolverFor(["93.184.216.34", "::ffff:10.0.0.1"]),
      }),
      /media\.example\.test resolves to ::ffff:10\.0\.0\.1, a private or loopback address/,
    );
  });
});

/** Requests each loopback server received, by path. */
const arrivals = { open: [] as string[], private: [] as string[] };
const bytes = Buffer.from("ID3 audio from the origin that is let through".repeat(20));

/** Stands for a public host: the one origin the guarded server below lets through. */
const open = originForFile((req, res) => {
  arrivals.open.push(req.url ?? "");
  const redirect = /^\/to\/(.+)$/.exec(req.url ?? "");
  if (redirect) {
    res.writeHead(302, { location: decodeURIComponent(redirect[1] ?? "") }).end();
    return;
  }
  res.writeHead(200, { "content-type": "audio/mpeg", "content-length": String(bytes.length) });
  res.end(bytes);
});
/** A private origin: another port on the same loopback address. */
const hidden = originForFile((req, res) => {
  arrivals.private.push(req.url ?? "");
  res.writeHead(200, { "content-type": "audio/mpeg", "content-length": String(bytes.length) });
  res.end(bytes);
});

describe("aioz_upload_audio over HTTP, with one origin let through exactly", () => {
  let h: InProcessHarness;

  before(async () => {
    h = await startInProcess({ http: true, privateUrlOrigins: [open.url] });
  });
  after(async () => {
    await h?.close();
  });

  it("fetches from the origin let through: the check is exact, not off", async () => {
    arrivals.open.length = 0;
    const result = await h.call("aioz_upload_audio", { url: `${open.url}/take.mp3`, wait_s: 0 });
    assert.notEqual(result.isError, true, result.text);
    assert.deepEqual(arrivals.open, ["/take.mp3"]);
  });

  it("refuses another port on the same loopback address, and nothing reaches it or AIOZ", async () => {
    arrivals.private.length = 0;
    h.clearRequests();
    failed(
      await h.call("aioz_upload_audio", { url: `${hidden.url}/take.mp3`, wait_s: 0 }),
      /^url: 127\.0\.0\.1 resolves to 127\.0\.0\.1, a private or loopback address/m,
    );
    assert.deepEqual(arrivals.private, [], "a request reached the private origin");
    assert.deepEqual(h.sandbox.aioz.requests, []);
  });

  const port = () => new URL(hidden.url).port;
  const targets: { form: string; target: () => string; names: RegExp }[] = [
    { form: "its address", target: () => hidden.url, names: /127\.0\.0\.1 resolves to 127\.0\.0\.1/ },
    {
      form: "a name resolving to it",
      target: () => `http://localhost:${port()}`,
      names: /localhost resolves to (127\.0\.0\.1|::1)/,
    },
    {
      form: "its IPv4-mapped form",
      target: () => `http://[::ffff:127.0.0.1]:${port()}`,
      names: /::ffff:7f00:1 resolves to ::ffff:7f00:1/,
    },
    {
      form: "its IPv4-compatible form",
      target: () => `http://[::7f00:1]:${port()}`,
      names: /::7f00:1 resolves to ::7f00:1/,
    },
  ];
  for (const { form, target, names } of targets) {
    it(`refuses a redirect from the open origin to the private one by ${form}: zero requests reach it`, async () => {
      arrivals.open.length = 0;
      arrivals.private.length = 0;
      h.clearRequests();
      const hop = `${open.url}/to/${encodeURIComponent(`${target()}/take.mp3`)}`;
      failed(
        await h.call("aioz_upload_audio", { url: hop, wait_s: 0 }),
        names,
        /a private or loopback address/,
      );
      assert.equal(arrivals.open.length, 1, "the open origin answered the first hop");
      assert.deepEqual(arrivals.private, [], "a request reached the private origin");
      assert.deepEqual(h.sandbox.aioz.requests, [], "nothing was created at AIOZ");
    });
  }
});
