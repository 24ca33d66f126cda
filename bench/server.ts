/**
 * `npm run bench:server` — one group's fan-out through Parley (SQLite) vs through a bare `ws`
 * relay, same run: the quick check of `npm run bench` (bench/all.ts), which measures everything.
 *
 * A group of N devices (accounts of 20 devices, registered with OPAQUE, authenticated with their
 * device keys, added to one MLS group by a real commit) receives application messages from one
 * member; the ciphertexts are built beforehand with real MLS, so the benchmark measures the server:
 * Parley authenticates, validates, orders, stores every message durably (SQLite,
 * synchronous=FULL) and pushes it; the relay only forwards. The sender keeps a window of messages
 * in flight; the clock stops when every receiver has every message. Loopback only; bounded.
 *
 * Then, on each server, an open loop at a fixed `--rate` deliveries/s (default 5,000) for
 * `--seconds` (default 8): p50/p99 from send to arrival at each receiving socket, and Parley's p99
 * as a ratio to the relay's (issue #19's target: ≤ 1.2×); case (a)'s latency run of `npm run bench`.
 *
 * Options: --devices N (default 500), --messages N (default 600), --window N (default 16),
 * --rate N, --seconds N, --quick.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DeviceIdentity } from '@parley/core';
import { closedLoop, type Latency, openLoop, parleyFlow, relayFlow } from './flows.js';
import {
  BenchSocket,
  inParallel,
  numberOption,
  population,
  setupGroup,
  spawnServer,
  uploadKeyPackages,
} from './harness.js';

const args = process.argv.slice(2);
const option = numberOption;
const quick = args.includes('--quick');
const DEVICES = option('--devices', quick ? 100 : 500);
const MESSAGES = option('--messages', quick ? 100 : 600);
const WINDOW = option('--window', 16);
const RATE = option('--rate', 5000);
const SECONDS = option('--seconds', quick ? 3 : 8);
/** Open-loop messages: the rate in deliveries/s over the receivers, for SECONDS. */
const OPEN = Math.ceil((RATE / (DEVICES - 1)) * SECONDS);
const DEVICES_PER_ACCOUNT = 20;

async function main() {
  console.log(
    `Parley bench:server — ${DEVICES}-device group, ${MESSAGES} messages, window ${WINDOW}, node ${process.version}\n`,
  );
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-bench-'));
  const parley = await spawnServer({ mode: 'parley', dataDir });
  let parleyRate: number;
  let parleyLatency: Latency;
  let group: Awaited<ReturnType<typeof setupGroup>>;
  try {
    const t0 = performance.now();
    const accounts = Math.ceil(DEVICES / DEVICES_PER_ACCOUNT);
    const devices = (
      await population(`http://127.0.0.1:${parley.port}`, accounts, (a) =>
        Math.min(DEVICES_PER_ACCOUNT, DEVICES - a * DEVICES_PER_ACCOUNT),
      )
    ).flat();
    const sockets = new Map<DeviceIdentity, BenchSocket>();
    await inParallel(devices, 64, async (id) => {
      sockets.set(id, await BenchSocket.parley(parley.port, id));
    });
    await uploadKeyPackages(sockets);
    group = await setupGroup(devices[0]!, devices.slice(1), sockets, MESSAGES + OPEN + 2);
    console.log(
      `setup: ${DEVICES} devices registered, connected and added by one MLS commit in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    parleyRate = await closedLoop(await parleyFlow([group], 1), MESSAGES, WINDOW);
    parleyLatency = await openLoop(await parleyFlow([group], MESSAGES + 2), OPEN, RATE / (DEVICES - 1));
    await Promise.all([...sockets.values()].map((s) => s.close()));
  } finally {
    await parley.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  const relay = await spawnServer({ mode: 'relay' });
  let relayRate: number;
  let relayLatency: Latency;
  try {
    const { flow, close } = await relayFlow(relay.port, [group], 1);
    relayRate = await closedLoop(flow, MESSAGES, WINDOW);
    // The closed loop's sockets leave first: in the same room the relay would forward to both.
    await close();
    const open = await relayFlow(relay.port, [group], MESSAGES + 2);
    relayLatency = await openLoop(open.flow, OPEN, RATE / (DEVICES - 1));
    await open.close();
  } finally {
    await relay.stop();
  }
  const ms = (l: Latency) => `${l.p50.toFixed(1)} / ${l.p99.toFixed(1)}`.padStart(14);
  console.log(`\n   server      deliveries/s   p50 / p99 ms at ${RATE}/s`);
  console.log(`   parley      ${parleyRate.toFixed(0).padStart(12)}   ${ms(parleyLatency)}`);
  console.log(`   bare relay  ${relayRate.toFixed(0).padStart(12)}   ${ms(relayLatency)}`);
  console.log(`\n   parley / bare relay: ${(parleyRate / relayRate).toFixed(2)}x  (target >= 0.60)`);
  console.log(
    `   p99, parley / bare relay: ${(parleyLatency.p99 / relayLatency.p99).toFixed(2)}x  (target <= 1.2)`,
  );
}

await main();
process.exit(0);
