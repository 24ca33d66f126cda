/** Waiting in tests: until something happens (vitest's vi.waitFor), and for something that must not. */
import { vi } from 'vitest';

/**
 * Resolves once `check` returns true, asking again every `intervalMs` (vi.waitFor, so fake timers
 * advance too); fails after `timeoutMs` with "timed out waiting for <what>", and the last error a
 * throwing check gave as its cause.
 */
export async function until(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
  intervalMs = 25,
): Promise<void> {
  const notYet = new Error(`timed out waiting for ${what}`);
  try {
    await vi.waitFor(
      async () => {
        if (!(await check())) throw notYet;
      },
      { timeout: timeoutMs, interval: intervalMs },
    );
  } catch (error) {
    if (error === notYet) throw error;
    throw new Error(`timed out waiting for ${what}`, { cause: error });
  }
}

/** How long a frame on loopback is given to arrive (generously, on a loaded machine). */
export const STRAY_FRAME_MS = 200;

/**
 * Lets real time pass so that a frame the server wrongly sent would have arrived by now. For
 * asserting that something does NOT happen across a real server and socket: those run on real
 * timers, so fake ones cannot stand in, and no event marks "nothing came".
 */
export function graceForStrayFrames(ms = STRAY_FRAME_MS): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
