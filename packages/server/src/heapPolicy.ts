/**
 * V8's heap policy for a long-running server process.
 *
 * V8 lets the old generation grow to a multiple of what the last full collection left alive
 * before it marks again — up to 4× when allocation is fast, as under a burst of messages. The
 * server's live heap with 500 connected devices is ~35 MB, yet after a burst its heap held
 * ~100 MB, mostly dead objects, and kept them for about a minute until V8's memory reducer ran;
 * the socket read buffers those dead objects still pointed to stayed allocated with them. A fixed
 * growing factor of 1.3 marks sooner (concurrently, on a helper thread), and keeps resident memory
 * near the live heap. The cost is more frequent marking; bench:direct's CPU per message did not
 * move above its run-to-run spread (bench/README.md, "Memory").
 */
import { setFlagsFromString } from 'node:v8';

/** The old generation may grow by this share of the live heap between full collections. */
export const HEAP_GROWING_PERCENT = 30;

/**
 * Apply the policy to this process (its V8 flags are global), unless the operator set the flag
 * themselves (`node --heap-growing-percent=N`, or in NODE_OPTIONS).
 */
export function applyHeapPolicy(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions: string = process.env.NODE_OPTIONS ?? '',
  setFlags: (flags: string) => void = setFlagsFromString,
): void {
  const chosen = [...execArgv, ...nodeOptions.split(/\s+/)].some((a) =>
    /^--heap[-_]growing[-_]percent\b/.test(a),
  );
  if (!chosen) setFlags(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
