/**
 * How the process was started, where the command line cannot say: the bundle's entry (src/bundle/entry.ts)
 * marks it before the CLI runs. A bundle has no implicit file root: Claude Desktop starts it with the
 * unpacked bundle, or the user's home, as its working directory.
 */
export const launch = { bundle: false };
