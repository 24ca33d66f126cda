/**
 * `npm run bench:direct` — one-to-one messages alone, the case (b) of `npm run bench` with more
 * messages and the server's own costs: Parley (SQLite; with `--postgres` also PostgreSQL + Redis)
 * beside the bare relay, in the same run.
 *
 * `--pairs` pairs of accounts (default 250), each a two-member MLS group made by a real commit;
 * every sender's messages are real MLS ciphertexts built before the clock starts. Measured:
 *   - closed loop (each sender keeps `--window` messages unacknowledged, `--messages` each):
 *     messages/s, and the server process's CPU time per message (user + system, from /proc);
 *   - open loop at a fixed `--rate` messages/s for `--seconds`: p50/p99 from send to arrival;
 *   - the server's RSS with the 2 × pairs devices connected, after the runs.
 * Prints each figure and its ratio to the relay's. Loopback only; each run bounded (120 s).
 * `PARLEY_BENCH_PROFILE=DIR` writes a CPU profile of each server process. `--json FILE` too.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DeviceIdentity } from '@parley/core';
import { closedLoop, type Flow, type Latency, openLoop, parleyFlow, relayFlow } from './flows.js';
import {
  type BenchGroup,
  BenchSocket,
  inParallel,
  numberOption,
  population,
  postgresAndRedis,
  type ServerHandle,
  type ServerSpec,
  setupGroup,
  spawnServer,
  uploadKeyPackages,
} from './harness.js';

const args = process.argv.slice(2);
const PAIRS = numberOption('--pairs', 250);
const MESSAGES = numberOption('--messages', 200);
const WINDOW = numberOption('--window', 4);
const RATE = numberOption('--rate', 2000);
const SECONDS = numberOption('--seconds', 5);
const withPostgres = args.includes('--postgres');
const jsonOut = args.includes('--json') ? args[args.indexOf('--json') + 1] : undefined;
const OPEN = Math.ceil((RATE * SECONDS) / PAIRS);
/** Per sender: a probe + the closed run, then a probe + the open run. */
const TOTAL = 1 + MESSAGES + 1 + OPEN;

interface Figures {
  messagesPerSecond: number;
  cpuMicrosPerMessage: number;
  latency: Latency;
  rssBytes: number;
  /** The same, after SETTLE_MS with the devices still connected and nothing sent. */
  settledRssBytes: number;
}

/** How long the devices stay connected and quiet before the settled RSS is read. */
const SETTLE_MS = 10_000;

/** Closed loop then open loop over `flow(first)`, with the server's CPU over the closed loop. */
async function run(server: ServerHandle, flow: (first: number) => Promise<Flow>): Promise<Figures> {
  const closedFlow = await flow(1);
  const cpu0 = server.cpuSeconds();
  const deliveries = await closedLoop(closedFlow, MESSAGES, WINDOW);
  const cpu = server.cpuSeconds() - cpu0;
  const openFlow = await flow(MESSAGES + 2);
  const latency = await openLoop(openFlow, OPEN, RATE);
  const rssBytes = server.rss();
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  return {
    messagesPerSecond: deliveries,
    cpuMicrosPerMessage: (cpu * 1e6) / (PAIRS * MESSAGES),
    latency,
    rssBytes,
    settledRssBytes: server.rss(),
  };
}

async function measureParley(
  label: string,
  spec: ServerSpec,
): Promise<{ figures: Figures; groups: BenchGroup[] }> {
  const server = await spawnServer(spec);
  try {
    const t = performance.now();
    // Accounts of 10 devices (OPAQUE registrations are the slow part of the setup); device k is
    // paired with device k + PAIRS, always of another account: each conversation is two devices of
    // two accounts, as a one-to-one chat between single-device people.
    const devices = (
      await population(`http://127.0.0.1:${server.port}`, Math.ceil((2 * PAIRS) / 10), (a) =>
        Math.min(10, 2 * PAIRS - 10 * a),
      )
    ).flat();
    const sockets = new Map<DeviceIdentity, BenchSocket>();
    await inParallel(devices, 64, async (id) => {
      sockets.set(id, await BenchSocket.parley(server.port, id));
    });
    await uploadKeyPackages(sockets);
    const groups: BenchGroup[] = [];
    for (let k = 0; k < PAIRS; k++)
      groups.push(await setupGroup(devices[k]!, [devices[k + PAIRS]!], sockets, TOTAL));
    log(`  ${label}: ${PAIRS} pairs registered, connected and paired in ${sec(t)} s`);
    const figures = await run(server, (first) => parleyFlow(groups, first));
    report(label, figures);
    log(`  ${label}: ${await heapOf(server.port)}`);
    await Promise.all([...sockets.values()].map((s) => s.close()));
    return { figures, groups };
  } finally {
    await server.stop();
  }
}

async function measureRelay(groups: BenchGroup[]): Promise<Figures> {
  const server = await spawnServer({ mode: 'relay' });
  const opened: Array<() => Promise<void>> = [];
  try {
    const figures = await run(server, async (first) => {
      // The closed loop's sockets leave before the open loop's join: in the same rooms, the relay
      // would forward each message to both (three deliveries a message instead of one).
      for (const close of opened.splice(0)) await close();
      const { flow, close } = await relayFlow(server.port, groups, first);
      opened.push(close);
      return flow;
    });
    report('relay', figures);
    return figures;
  } finally {
    for (const close of opened) await close();
    await server.stop();
  }
}

/** The server's V8 heap and off-heap memory, from its /metrics (readable from loopback). */
async function heapOf(port: number): Promise<string> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const metric = (name: string) =>
    Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1]);
  const mib = (name: string) => `${(metric(name) / 2 ** 20).toFixed(0)} MiB`;
  return `heap used ${mib('parley_process_nodejs_heap_size_used_bytes')} of ${mib('parley_process_nodejs_heap_size_total_bytes')}, external ${mib('parley_process_nodejs_external_memory_bytes')}`;
}

function report(label: string, f: Figures) {
  log(
    `  ${label}: ${f.messagesPerSecond.toFixed(0)} msg/s closed loop, ${f.cpuMicrosPerMessage.toFixed(0)} µs server CPU/msg; ` +
      `@${RATE}/s p50 ${f.latency.p50.toFixed(1)} ms p99 ${f.latency.p99.toFixed(1)} ms; RSS ${(f.rssBytes / 2 ** 20).toFixed(0)} MiB, ${(f.settledRssBytes / 2 ** 20).toFixed(0)} MiB ${SETTLE_MS / 1000} s later`,
  );
}

function log(line: string) {
  process.stdout.write(`${line}\n`);
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;
const sec = (t: number) => ((performance.now() - t) / 1000).toFixed(1);

async function main() {
  log(
    `Parley bench:direct — ${PAIRS} pairs, ${MESSAGES} messages each (window ${WINDOW}), open loop ${RATE}/s for ${SECONDS} s, node ${process.version}\n`,
  );
  const results: Record<string, Figures> = {};
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-bench-'));
  let groups: BenchGroup[];
  try {
    const sqlite = await measureParley('parley sqlite', { mode: 'parley', dataDir });
    results.sqlite = sqlite.figures;
    groups = sqlite.groups;
    if (withPostgres) {
      const pgDir = mkdtempSync(join(tmpdir(), 'parley-bench-'));
      const services = await postgresAndRedis();
      if ('skipped' in services) throw new Error(services.skipped);
      try {
        results.postgres = (
          await measureParley('parley pg+redis', { mode: 'parley', dataDir: pgDir, postgres: services })
        ).figures;
      } finally {
        await services.drop();
        rmSync(pgDir, { recursive: true, force: true });
      }
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  results.relay = await measureRelay(groups);
  const relay = results.relay;
  log('');
  for (const [name, f] of Object.entries(results)) {
    if (name === 'relay') continue;
    log(
      `  ${name} / relay: throughput ${(f.messagesPerSecond / relay.messagesPerSecond).toFixed(2)}× (target ≥ 0.45), ` +
        `CPU/msg ${f.cpuMicrosPerMessage.toFixed(0)} µs (target ≤ 35), p99 @${RATE}/s ${f.latency.p99.toFixed(1)} ms (target ≤ 5), ` +
        `RSS ${mb(f.rssBytes)} / ${mb(f.settledRssBytes)} settled (target ≤ 150 MB; relay ${mb(relay.rssBytes)} / ${mb(relay.settledRssBytes)})`,
    );
  }
  if (jsonOut) writeFileSync(jsonOut, JSON.stringify(results, null, 2));
}

await main();
process.exit(0);
