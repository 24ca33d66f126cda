/**
 * `npm run bench` — Parley beside a bare `ws` relay measured in the same run, on SQLite and on
 * PostgreSQL + Redis (one node), printed as a table and written as JSON and an SVG chart:
 *   (a) group fan-out, N = 50 and 500 devices: closed-loop deliveries/s, and p50/p99 latency at a
 *       fixed 5,000 deliveries/s;
 *   (b) direct messages, 250 pairs: closed-loop messages/s, and latency at 2,000 messages/s;
 *   (c) 10,000 idle authenticated connections: server RSS, and per connection;
 *   (d) client-side MLS costs (bench:core, run as a child process);
 *   (e) a device's round trips alone and under a flood (bench:flood, run as a child process);
 *   (f) files: a 100 MB file's upload and download MB/s through Parley vs a plain HTTP copy, and the
 *       server's memory while 20 clients upload at once (bench:attachments, a child process).
 * Servers run in their own processes; all client sockets live in this one (loopback only). Every
 * device is registered with OPAQUE and authenticated with its device key; groups are made by real
 * MLS commits and the messages are real MLS ciphertexts built beforehand, so the load measures the
 * server. The 10,000 connections of (c) are spread over the ~1,000 devices (several each).
 *
 * Needs PostgreSQL at PARLEY_BENCH_POSTGRES (default postgres://postgres@127.0.0.1:5432/test; a
 * database is created and dropped) and Redis at PARLEY_BENCH_REDIS (default redis://127.0.0.1:6379;
 * a random key prefix, deleted after); without them that column is reported as skipped.
 *
 *   (g) with --soak: 1,000 clients chatting for 10 minutes (bench:soak, a child process): p99 and
 *       the server's RSS per minute, and the RSS slope.
 * Options: --quick (1,000 connections, 25 pairs, shorter runs), --soak, --out DIR (default bench/out).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DeviceIdentity } from '@parley/core';
import { closedLoop, openLoop, parleyFlow, relayFlow } from './flows.js';
import {
  type BenchGroup,
  BenchSocket,
  inParallel,
  population,
  postgresAndRedis,
  type ServerSpec,
  setupGroup,
  spawnServer,
  uploadKeyPackages,
} from './harness.js';
import { chart, type Measured, type RunShape, table, targets } from './report.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const here = fileURLToPath(new URL('.', import.meta.url));
const outDir = args.includes('--out') ? args[args.indexOf('--out') + 1]! : join(here, '..', 'out');

/** Idle authenticated connections for (c), one per registered device. */
const CONNECTIONS = quick ? 1_000 : 10_000;
/**
 * Accounts user0…user24 have 20 devices each (the 500-device group); the others share the rest of
 * the CONNECTIONS devices, so every idle connection is its own device.
 */
const PAIRS = quick ? 25 : 250;
const ACCOUNTS = 2 * PAIRS;
const devicesOf = (account: number) => (account < 25 ? 20 : Math.ceil((CONNECTIONS - 500) / (ACCOUNTS - 25)));
const DEVICES = Array.from({ length: ACCOUNTS }, (_, a) => devicesOf(a)).reduce((x, y) => x + y, 0);
const FANOUT_RATE = 5_000; // deliveries/s for the latency runs
const DM_RATE = 2_000; // messages/s for the latency runs
const LATENCY_SECONDS = quick ? 3 : 8;
const CLOSED = {
  fanout50: quick ? 600 : 3000,
  fanout500: quick ? 100 : 600,
  dm: quick ? 10 : 20,
};
const WINDOW = { fanout: 16, dm: 4 };
const shape: RunShape = { pairs: PAIRS, fanoutRate: FANOUT_RATE, dmRate: DM_RATE };

function log(line: string) {
  process.stdout.write(`${line}\n`);
}

/** Messages per group: a probe + the closed-loop run, then a probe + the open-loop run. */
function layout(closed: number, perSecond: number, senders: number) {
  const open = Math.ceil((perSecond * LATENCY_SECONDS) / senders);
  return { closed, open, total: 1 + closed + 1 + open, openFirst: closed + 2 };
}

interface Workload {
  fan50: BenchGroup;
  fan500: BenchGroup;
  dms: BenchGroup[];
  plan: {
    fan50: ReturnType<typeof layout>;
    fan500: ReturnType<typeof layout>;
    dm: ReturnType<typeof layout>;
  };
}

/** The three load shapes: what is sent, by whom, in which window, at which open-loop rate (messages/s). */
function workloads(work: Workload) {
  return [
    {
      key: 'fanout50',
      groups: [work.fan50],
      p: work.plan.fan50,
      window: WINDOW.fanout,
      rate: FANOUT_RATE / 49,
    },
    {
      key: 'fanout500',
      groups: [work.fan500],
      p: work.plan.fan500,
      window: WINDOW.fanout,
      rate: FANOUT_RATE / 499,
    },
    { key: 'dm', groups: work.dms, p: work.plan.dm, window: WINDOW.dm, rate: DM_RATE },
  ] as const;
}

async function measureParley(
  spec: ServerSpec,
  label: string,
): Promise<{ measured: Measured; work: Workload }> {
  const server = await spawnServer(spec);
  const base = `http://127.0.0.1:${server.port}`;
  try {
    let t = performance.now();
    const devices = await population(base, ACCOUNTS, devicesOf);
    const all = devices.flat();
    log(`  ${label}: ${all.length} devices registered (${ACCOUNTS} OPAQUE accounts) in ${sec(t)} s`);

    // (c) Idle authenticated connections, one per device: the server's RSS before and after.
    await settle();
    const before = server.rss();
    t = performance.now();
    const connections: BenchSocket[] = new Array(all.length);
    await inParallel(
      all.map((_, i) => i),
      64,
      async (i) => {
        connections[i] = await BenchSocket.parley(server.port, all[i]!);
      },
    );
    await settle();
    const after = server.rss();
    log(`  ${label}: ${all.length} connections (one per device) authenticated in ${sec(t)} s`);
    const idle = {
      connections: all.length,
      rssBytes: after,
      perConnectionBytes: (after - before) / all.length,
    };
    const sockets = new Map<DeviceIdentity, BenchSocket>();
    for (const [i, id] of all.entries()) sockets.set(id, connections[i]!);

    // Groups: fan-out of 50 and 500 devices, and one conversation per pair of accounts.
    t = performance.now();
    const fan500Members = devices.slice(0, 25).flat();
    const fan50Members = fan500Members.slice(0, 50);
    const dmPairs = Array.from(
      { length: PAIRS },
      (_, k) => [devices[2 * k]![0]!, devices[2 * k + 1]![0]!] as const,
    );
    const participants = new Map<DeviceIdentity, BenchSocket>();
    for (const id of [...fan500Members, ...dmPairs.flat()]) participants.set(id, sockets.get(id)!);
    // The devices that take no part in (a) and (b) go offline again.
    for (const [id, socket] of sockets)
      if (!participants.has(id)) {
        sockets.delete(id);
        await socket.close();
      }
    await uploadKeyPackages(participants);
    const plan = {
      fan50: layout(CLOSED.fanout50, FANOUT_RATE / 49, 1),
      fan500: layout(CLOSED.fanout500, FANOUT_RATE / 499, 1),
      dm: layout(CLOSED.dm, DM_RATE, PAIRS),
    };
    const work: Workload = {
      fan50: await setupGroup(fan50Members[0]!, fan50Members.slice(1), sockets, plan.fan50.total),
      fan500: await setupGroup(fan500Members[0]!, fan500Members.slice(1), sockets, plan.fan500.total),
      dms: [],
      plan,
    };
    for (const [a, b] of dmPairs) work.dms.push(await setupGroup(a, [b], sockets, plan.dm.total));
    log(`  ${label}: groups made by MLS commits and messages encrypted in ${sec(t)} s`);

    const measured = { idle } as Measured;
    for (const { key, groups, p, window, rate } of workloads(work)) {
      const closedFlow = await parleyFlow(groups, 1);
      const closed = await closedLoop(closedFlow, p.closed, window);
      const openFlow = await parleyFlow(groups, p.openFirst);
      const latency = await openLoop(openFlow, p.open, rate);
      measured[key] = { closed, latency };
      log(
        `  ${label}: ${key} ${closed.toFixed(0)}/s closed loop; p50 ${latency.p50.toFixed(1)} ms, p99 ${latency.p99.toFixed(1)} ms`,
      );
    }
    await Promise.all([...sockets.values()].map((s) => s.close()));
    return { measured, work };
  } finally {
    await server.stop();
  }
}

async function measureRelay(work: Workload): Promise<Measured> {
  const server = await spawnServer({ mode: 'relay' });
  try {
    const measured = {} as Measured;
    for (const { key, groups, p, window, rate } of workloads(work)) {
      const closedFlow = await relayFlow(server.port, groups, 1);
      const closed = await closedLoop(closedFlow.flow, p.closed, window);
      await closedFlow.close();
      const openFlow = await relayFlow(server.port, groups, p.openFirst);
      const latency = await openLoop(openFlow.flow, p.open, rate);
      await openFlow.close();
      measured[key] = { closed, latency };
      log(
        `  relay: ${key} ${closed.toFixed(0)}/s closed loop; p50 ${latency.p50.toFixed(1)} ms, p99 ${latency.p99.toFixed(1)} ms`,
      );
    }
    const n = CONNECTIONS;
    await settle();
    const before = server.rss();
    const sockets: BenchSocket[] = [];
    await inParallel(
      Array.from({ length: n }, (_, i) => i),
      64,
      async () => {
        sockets.push(await BenchSocket.relay(server.port, 'idle'));
      },
    );
    await settle();
    const after = server.rss();
    measured.idle = { connections: n, rssBytes: after, perConnectionBytes: (after - before) / n };
    await Promise.all(sockets.map((s) => s.close()));
    return measured;
  } finally {
    await server.stop();
  }
}

/** A bench in its own process (`script` with `args` and `--json`): its report lines and figures. */
async function childBench(
  script: string,
  args: string[],
): Promise<Record<string, unknown> | { skipped: string }> {
  const file = join(mkdtempSync(join(tmpdir(), 'parley-child-')), 'out.json');
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, [join(here, script), ...args, '--json', file], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.once('exit', resolve);
  });
  if (code !== 0) return { skipped: `${script} exited with ${code}` };
  const out = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  rmSync(file, { force: true });
  return out;
}

/** (d): bench:core in its own process. */
const coreCosts = () => childBench('core.js', quick ? ['--quick'] : ['--sizes', '10,100']);

/** (e): bench:flood in its own process (its attacker has one too). */
const floodScenario = () => childBench('flood.js', []);

/** (f): bench:attachments in its own process. */
const attachmentsScenario = () => childBench('attachments.js', quick ? ['--quick'] : []);

/** (g), with --soak: bench:soak in its own process (1,000 clients for 10 minutes; --quick: 200 for 2). */
const soakScenario = () =>
  childBench('soak.js', quick ? ['--clients', '200', '--rate', '200', '--minutes', '2'] : []);

const sec = (t0: number) => ((performance.now() - t0) / 1000).toFixed(1);
const settle = () => new Promise((r) => setTimeout(r, 1500));

async function main() {
  log(
    `Parley bench — node ${process.version}, ${cpus().length} CPUs${quick ? ', --quick' : ''}; ${DEVICES} devices (${ACCOUNTS} accounts), ${CONNECTIONS} connections, ${PAIRS} pairs\n`,
  );
  const started = performance.now();
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-bench-'));
  let sqlite: Measured;
  let work: Workload;
  try {
    ({ measured: sqlite, work } = await measureParley({ mode: 'parley', dataDir }, 'SQLite'));
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  const relay = await measureRelay(work);
  let postgres: Measured | undefined;
  let postgresSkipped: string | undefined;
  const services = await postgresAndRedis();
  if ('skipped' in services) {
    postgresSkipped = services.skipped;
    log(`  PG+Redis: skipped — ${postgresSkipped}`);
  } else {
    const pgDir = mkdtempSync(join(tmpdir(), 'parley-bench-pg-'));
    try {
      ({ measured: postgres } = await measureParley(
        {
          mode: 'parley',
          dataDir: pgDir,
          postgres: { url: services.url, redisUrl: services.redisUrl, prefix: services.prefix },
        },
        'PG+Redis',
      ));
    } finally {
      rmSync(pgDir, { recursive: true, force: true });
      await services.drop();
    }
  }
  log('\n(d) client-side MLS costs (bench:core):');
  const core = await coreCosts();
  log('\n(e) a device under a flood (bench:flood):');
  const flood = await floodScenario();
  log('\n(f) files through Parley vs a plain copy (bench:attachments):');
  const attachments = await attachmentsScenario();
  let soak: Awaited<ReturnType<typeof soakScenario>> | undefined;
  if (args.includes('--soak')) {
    log('\n(g) a soak: clients chatting for minutes (bench:soak):');
    soak = await soakScenario();
  }

  log(`\nResults (${sec(started)} s in all; latency = send to arrival at the receiving socket)\n`);
  for (const line of table(shape, relay, sqlite, postgres)) log(`  ${line}`);
  log('\nTargets:');
  for (const line of targets(shape, relay, sqlite, postgres)) log(`  ${line}`);
  mkdirSync(outDir, { recursive: true });
  const results = {
    when: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    quick,
    settings: {
      devices: DEVICES,
      connections: CONNECTIONS,
      pairs: PAIRS,
      fanoutRate: FANOUT_RATE,
      dmRate: DM_RATE,
      latencySeconds: LATENCY_SECONDS,
      closed: CLOSED,
      window: WINDOW,
    },
    relay,
    sqlite,
    postgres: postgres ?? { skipped: postgresSkipped },
    core,
    flood,
    attachments,
    ...(soak === undefined ? {} : { soak }),
  };
  writeFileSync(join(outDir, 'bench.json'), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(outDir, 'bench.svg'), chart(shape, relay, sqlite, postgres));
  log(`\nwrote ${join(outDir, 'bench.json')} and ${join(outDir, 'bench.svg')}`);
}

await main();
process.exit(0);
