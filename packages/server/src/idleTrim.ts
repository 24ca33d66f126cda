/**
 * Memory given back once a burst is over.
 *
 * A burst of messages grows V8's heap: the young generation's semi-spaces double while many
 * messages are in flight (to 2 × 16 MB), and the old generation fills with what those messages left
 * behind. V8 gives that back on its own only when its memory reducer runs, which after bench:direct's
 * load took about a minute (bench/README.md, "Memory"), so a server with 500 devices connected and
 * quiet held ~175 MB instead of ~125.
 *
 * This does the memory reducer's work sooner: once the event loop has been nearly idle for a few
 * periods in a row, and the heap has grown since the last time, one full collection runs. It runs
 * only when the process is quiet (a message arriving then waits for it: 24–80 ms of collection in
 * bench:direct), at most once per burst (and a retry), at most once a minute, and never under a
 * steady load that keeps the event loop 2% busy or more. The collection is V8's own
 * (`gc`, exposed through the `--expose-gc` flag set at run time, as node's own tests do).
 */
import { performance } from 'node:perf_hooks';
import { getHeapSpaceStatistics, getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export interface IdleTrimOptions {
  /** How often the event loop's utilisation is read, ms. */
  everyMs: number;
  /** Below this share of the period busy (0–1), a period counts as quiet. */
  quiet: number;
  /** Quiet periods in a row before a collection. */
  quietPeriods: number;
  /** The heap must have grown by at least this much since the last collection, bytes. */
  minGrowthBytes: number;
  /**
   * A young generation still larger than this after a collection is tried once more, after as many
   * quiet periods again: V8 shrinks it only when the allocation it last measured was slow, and the
   * tail of the burst may still have counted.
   */
  youngBytes: number;
  /**
   * At least this long between collections for new bursts, ms: a light steady load (500 messages a
   * second keeps the event loop ~3% busy) can count as quiet, and must not get a pause every few
   * seconds. V8's own memory reducer waits as long.
   */
  minGapMs: number;
}

export const IDLE_TRIM_DEFAULTS: IdleTrimOptions = {
  everyMs: 1000,
  quiet: 0.02,
  // Long enough after the scavenge at the first quiet period for the allocation since to count as
  // slow (`collectAll`), with V8's 5 s window of allocation throughput behind it.
  quietPeriods: 7,
  minGrowthBytes: 16 * 1024 * 1024,
  youngBytes: 8 * 1024 * 1024,
  minGapMs: 60_000,
};

/** What the trimmer reads and does; the process's own unless a test says otherwise. */
export interface IdleTrimProbes {
  /** The event loop's busy share since the last call (0–1). */
  utilization(): number;
  /** The heap's committed size, bytes. */
  heapBytes(): number;
  /** The young generation's committed size, bytes. */
  youngBytes(): number;
  /** A monotonic clock, ms. */
  now(): number;
  /** Run a scavenge (the young generation only). */
  scavenge(): Promise<void>;
  /** Run a scavenge, then a full collection. */
  collect(): Promise<void>;
}

export interface IdleTrim {
  /** One period: read, and collect if it is time. Called by the timer; tests call it directly. */
  tick(): Promise<void>;
  /** Collections run so far, and how long the last one took (ms). */
  trims(): { count: number; lastMs: number };
  stop(): void;
}

type Gc = (options: { type: 'minor' | 'major'; execution: 'async' }) => Promise<void>;
/** V8's collector, exposed once per process. */
let exposed: Gc | undefined;
function v8Gc(): Gc {
  if (exposed === undefined) {
    setFlagsFromString('--expose-gc');
    exposed = runInNewContext('gc') as Gc;
  }
  return exposed;
}

/**
 * A scavenge, then a full collection. The scavenge is what gives the young generation back: V8
 * shrinks it after a scavenge when the allocation since the one before was slow, under 1 MB/s (a
 * full collection alone left it at 2 × 16 MB). Hence also the scavenge at the start of the quiet
 * (`scavenge`): what the burst's last moments allocated is then counted there, not here. The full
 * collection frees the old generation's dead objects and their pages.
 */
async function collectAll(): Promise<void> {
  await v8Gc()({ type: 'minor', execution: 'async' });
  await v8Gc()({ type: 'major', execution: 'async' });
}

/** This process's own readings, and V8's collector. */
export function processProbes(): IdleTrimProbes {
  let last = performance.eventLoopUtilization();
  return {
    utilization() {
      const now = performance.eventLoopUtilization();
      const since = performance.eventLoopUtilization(now, last);
      last = now;
      return since.utilization;
    },
    heapBytes: () => getHeapStatistics().total_heap_size,
    youngBytes: () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0,
    scavenge: () => v8Gc()({ type: 'minor', execution: 'async' }),
    collect: collectAll,
    now: () => performance.now(),
  };
}

/** Start trimming this process's heap after bursts (`start: false`: no timer, ticks by hand). */
export function startIdleTrim(
  options: Partial<IdleTrimOptions> = {},
  probes: IdleTrimProbes = processProbes(),
  start = true,
): IdleTrim {
  const o = { ...IDLE_TRIM_DEFAULTS, ...options };
  let quietInRow = 0;
  const trims = { count: 0, lastMs: 0 };
  let collecting = false;
  // The heap's size after the last collection (or at start): growth is measured from there.
  let base = probes.heapBytes();
  // A second try owed for the last burst (its young generation stayed large).
  let again = false;
  let last = Number.NEGATIVE_INFINITY;
  const tick = async () => {
    if (collecting) return;
    quietInRow = probes.utilization() < o.quiet ? quietInRow + 1 : 0;
    const heap = probes.heapBytes();
    base = Math.min(base, heap);
    const grown = heap - base >= o.minGrowthBytes && probes.now() - last >= o.minGapMs;
    if (!(grown || again)) return;
    if (quietInRow === 1) await probes.scavenge();
    if (quietInRow < o.quietPeriods) return;
    collecting = true;
    const started = performance.now();
    try {
      await probes.collect();
      trims.count++;
      trims.lastMs = performance.now() - started;
    } finally {
      collecting = false;
      quietInRow = 0;
      base = probes.heapBytes();
      again = grown && probes.youngBytes() > o.youngBytes;
      if (grown) last = probes.now();
    }
  };
  // A collection that throws (it should not) is not retried early, nor let out of the process.
  const timer = start ? setInterval(() => void tick().catch(() => {}), o.everyMs) : undefined;
  timer?.unref();
  return { tick, trims: () => ({ ...trims }), stop: () => clearInterval(timer) };
}
