// Which addresses a `url` source may connect to when mediagate serves others over HTTP. Its own module so
// that ipaddr.js is loaded with the first URL opened, not at start-up.
import { isIP } from "node:net";
import ipaddr from "ipaddr.js";

/** The IPv4 address in the last 32 bits of an IPv6 address. */
function lastIpv4(address: ipaddr.IPv6): ipaddr.IPv4 {
  const parts = address.parts;
  const high = parts[6] ?? 0;
  const low = parts[7] ?? 0;
  return new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
}

/** Whether a `url` source may connect to this address: ipaddr.js names the range, only `unicast` passes. */
function isPublic(address: ipaddr.IPv4 | ipaddr.IPv6): boolean {
  if (address.kind() === "ipv4") return address.range() === "unicast";
  const v6 = address as ipaddr.IPv6;
  const parts = v6.parts;
  switch (v6.range()) {
    case "unicast":
      // ipaddr.js names ::/96 (IPv4-compatible, `::7f00:1`) unicast unless it is written with dots. RFC 4291
      // deprecated it and no public host has one, while some stacks still deliver it as IPv4: refused whole.
      return !parts.slice(0, 6).every((part) => part === 0);
    case "ipv4Mapped":
    case "rfc6145":
      // ::ffff:a.b.c.d (the socket connects to a.b.c.d itself) and ::ffff:0:a.b.c.d (a SIIT translator
      // sends it there): what counts is the IPv4 address.
      return isPublic(lastIpv4(v6));
    case "rfc6052":
      // 64:ff9b::/96, the well-known NAT64 prefix: a NAT64 gateway on this network connects to the last 32
      // bits, so they are checked. 64:ff9b:1::/48 (RFC 8215) is for local use, where the operator picks the
      // prefix length and so where the IPv4 address sits: nothing embedded can be trusted, so it is refused.
      return parts[2] === 0 && parts[3] === 0 && parts[4] === 0 && parts[5] === 0 && isPublic(lastIpv4(v6));
    case "6to4": {
      // 2002:AABB:CCDD::/48 is the site behind the 6to4 router at A.B.C.D: a private or loopback router
      // address means a relay would deliver into a private network, so the router address is checked.
      const router = new ipaddr.IPv4([
        (parts[1] ?? 0) >> 8,
        (parts[1] ?? 0) & 0xff,
        (parts[2] ?? 0) >> 8,
        (parts[2] ?? 0) & 0xff,
      ]);
      return isPublic(router);
    }
    default:
      // Teredo (2001::/32) among them: its client address is stored obfuscated and the path runs through
      // whichever Teredo relay this network uses, so the embedded address says nothing sure about where a
      // connection lands; the service is retired and no media host serves from it. Refused whole, like
      // site-local fec0::/10, unique-local, link-local, multicast, documentation and the other special ranges.
      return false;
  }
}

/**
 * True for every address a `url` source may not reach when mediagate serves others over HTTP: loopback,
 * private, link-local, carrier-grade NAT, multicast, reserved, and IPv6 forms that carry such an IPv4
 * address (IPv4-mapped, IPv4-compatible, 6to4, NAT64). Anything but an IP address is false.
 */
export function isPrivateAddress(address: string): boolean {
  if (isIP(address) === 0) return false;
  // A zone index (`fe80::1%eth0`) is link-local anyway; ipaddr.js keeps it apart from the address.
  return !isPublic(ipaddr.parse(address));
}
