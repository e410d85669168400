/**
 * The part of undici that provider requests use: its Agent (connection pools, HTTP/1.1 with llhttp) and
 * its error classes, taken from undici's own modules rather than its index. The index also loads fetch,
 * WebSocket, the cache, the mocks and every interceptor, and through them Node's built-in copy of undici
 * (their globals are read as they load): several times the memory and time these two modules cost on the
 * first provider request (bench/README.md).
 *
 * The build bundles them (scripts/build.mjs), so the paths are those of the undici version the lock file
 * pins; an undici that moves them fails the build, not a user's call. URL upload sources still use the
 * whole package (src/files/url-source.ts): they need its request API, interceptors and connector.
 */

import errors from "undici/lib/core/errors.js";
import Agent from "undici/lib/dispatcher/agent.js";

export { Agent, errors };
