/**
 * `npm run bench:nodes` — does a second node add capacity? Parley on PostgreSQL + Redis, the same
 * accounts, groups and load, served by one node and then by two:
 *   1. one node: every device connected to node A;
 *   2. two nodes, each conversation on one node: pair k's devices (and half the group's) on node
 *      A or B, so a message crosses nodes only for the group;
 *   3. two nodes, every conversation split: each pair's sender on A and receiver on B, so every
 *      message crosses nodes (its push goes through Redis).
 * Each phase runs the one-to-one closed loop (`--pairs`, `--messages` each, window 4) and a
 * `--group`-device group's fan-out (window 16), and prints throughput, its ratio to phase 1, and
 * the servers' CPU per message (both nodes; the cross-node overhead per message is phase 3's
 * minus phase 1's). On a 2-core machine the two nodes, PostgreSQL, Redis and the load generator
 * share the cores, which bounds what a second node can add; the CPU figures say where it goes.
 * Loopback only; every run bounded (120 s).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DeviceIdentity } from '@parley/core';
import { closedLoop, parleyFlow } from './flows.js';
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

const PAIRS = numberOption('--pairs', 100);
const MESSAGES = numberOption('--messages', 200);
const GROUP = numberOption('--group', 100);
const GROUP_MESSAGES = numberOption('--group-messages', 200);
const PHASES = 3;
const DEVICES_PER_ACCOUNT = 20;

type Placement = (
  device: DeviceIdentity,
  role: { pair?: number; groupIndex?: number; sender: boolean },
) => 0 | 1;

const placements: Array<{ name: string; nodes: 1 | 2; place: Placement }> = [
  { name: 'one node', nodes: 1, place: () => 0 },
  {
    name: 'two nodes, conversations kept together',
    nodes: 2,
    place: (_, r) => (r.pair !== undefined ? ((r.pair % 2) as 0 | 1) : (((r.groupIndex ?? 0) % 2) as 0 | 1)),
  },
  {
    name: 'two nodes, every conversation split',
    nodes: 2,
    place: (_, r) => (r.sender ? 0 : 1),
  },
];

function log(line: string) {
  process.stdout.write(`${line}\n`);
}

interface Plan {
  pairs: Array<[DeviceIdentity, DeviceIdentity]>;
  groupMembers: DeviceIdentity[];
  /** Per pair and for the group: the ciphertexts of every phase (a probe and the run each). */
  pairGroups: BenchGroup[];
  group: BenchGroup;
}

/** Each phase's slice of a group's pre-built messages: [probe, run…]. */
const firstOf = (phase: number, perPhase: number) => 1 + phase * (perPhase + 1);

/** Connect each device to its node for a phase; the groups rebuilt over those sockets. */
async function connectPhase(plan: Plan, ports: number[], place: Placement) {
  const sockets = new Map<DeviceIdentity, BenchSocket>();
  const connect = async (id: DeviceIdentity, node: 0 | 1) => {
    sockets.set(id, await BenchSocket.parley(ports[node]!, id));
  };
  const jobs: Array<() => Promise<void>> = [];
  plan.pairs.forEach(([a, b], pair) => {
    jobs.push(() => connect(a, place(a, { pair, sender: true })));
    jobs.push(() => connect(b, place(b, { pair, sender: false })));
  });
  plan.groupMembers.forEach((id, groupIndex) => {
    jobs.push(() => connect(id, place(id, { groupIndex, sender: groupIndex === 0 })));
  });
  await inParallel(jobs, 64, (job) => job());
  const rebuilt = (g: BenchGroup, members: DeviceIdentity[]): BenchGroup => ({
    ...g,
    sender: sockets.get(members[0]!)!,
    receivers: members.slice(1).map((m) => sockets.get(m)!),
  });
  return {
    pairGroups: plan.pairGroups.map((g, k) => rebuilt(g, plan.pairs[k]!)),
    group: rebuilt(plan.group, plan.groupMembers),
    close: () => Promise.all([...sockets.values()].map((s) => s.close())),
  };
}

async function measure(nodes: ServerHandle[], run: () => Promise<number>, messages: number) {
  const cpu0 = nodes.map((n) => n.cpuSeconds());
  const rate = await run();
  const cpu = nodes.reduce((sum, n, i) => sum + n.cpuSeconds() - cpu0[i]!, 0);
  return { rate, cpuMicros: (cpu * 1e6) / messages };
}

async function main() {
  log(
    `Parley bench:nodes — PostgreSQL + Redis; ${PAIRS} pairs × ${MESSAGES} messages, a ${GROUP}-device group × ${GROUP_MESSAGES}; node ${process.version}\n`,
  );
  const services = await postgresAndRedis();
  if ('skipped' in services) throw new Error(services.skipped);
  const { drop, ...postgres } = services;
  const dirs = [0, 1].map(() => mkdtempSync(join(tmpdir(), 'parley-bench-')));
  const spec = (node: number): ServerSpec => ({ mode: 'parley', dataDir: dirs[node]!, postgres });
  const nodes = [await spawnServer(spec(0))];
  try {
    const t = performance.now();
    const base = `http://127.0.0.1:${nodes[0]!.port}`;
    const singles = (await population(base, 2 * PAIRS, () => 1, 'pair')).map((d) => d[0]!);
    const groupAccounts = Math.ceil(GROUP / DEVICES_PER_ACCOUNT);
    const groupMembers = (
      await population(
        base,
        groupAccounts,
        (a) => Math.min(DEVICES_PER_ACCOUNT, GROUP - a * DEVICES_PER_ACCOUNT),
        'member',
      )
    ).flat();
    const setupSockets = new Map<DeviceIdentity, BenchSocket>();
    await inParallel([...singles, ...groupMembers], 64, async (id) => {
      setupSockets.set(id, await BenchSocket.parley(nodes[0]!.port, id));
    });
    await uploadKeyPackages(setupSockets);
    const pairs = Array.from(
      { length: PAIRS },
      (_, k) => [singles[2 * k]!, singles[2 * k + 1]!] as [DeviceIdentity, DeviceIdentity],
    );
    const pairGroups: BenchGroup[] = [];
    for (const [a, b] of pairs)
      pairGroups.push(await setupGroup(a, [b], setupSockets, PHASES * (MESSAGES + 1)));
    const group = await setupGroup(
      groupMembers[0]!,
      groupMembers.slice(1),
      setupSockets,
      PHASES * (GROUP_MESSAGES + 1),
    );
    await Promise.all([...setupSockets.values()].map((s) => s.close()));
    log(
      `  setup: ${2 * PAIRS + groupMembers.length} devices, ${PAIRS} pairs and the group in ${((performance.now() - t) / 1000).toFixed(1)} s`,
    );
    const plan: Plan = { pairs, groupMembers, pairGroups, group };

    const results: Array<{
      name: string;
      dm: { rate: number; cpuMicros: number };
      fan: { rate: number; cpuMicros: number };
    }> = [];
    for (const [phase, { name, nodes: count, place }] of placements.entries()) {
      while (nodes.length < count) nodes.push(await spawnServer(spec(nodes.length)));
      const live = nodes.slice(0, count);
      const connected = await connectPhase(
        plan,
        live.map((n) => n.port),
        place,
      );
      const dmFlow = await parleyFlow(connected.pairGroups, firstOf(phase, MESSAGES));
      const dm = await measure(live, () => closedLoop(dmFlow, MESSAGES, 4), PAIRS * MESSAGES);
      const fanFlow = await parleyFlow([connected.group], firstOf(phase, GROUP_MESSAGES));
      const fan = await measure(
        live,
        () => closedLoop(fanFlow, GROUP_MESSAGES, 16),
        GROUP_MESSAGES * (GROUP - 1),
      );
      await connected.close();
      results.push({ name, dm, fan });
      log(
        `  ${name}: direct ${dm.rate.toFixed(0)} msg/s (${dm.cpuMicros.toFixed(0)} µs CPU/msg, all nodes); group ${fan.rate.toFixed(0)} deliveries/s (${fan.cpuMicros.toFixed(1)} µs CPU/delivery)`,
      );
    }
    const one = results[0]!;
    log('');
    for (const r of results.slice(1))
      log(
        `  ${r.name} / one node: direct ${(r.dm.rate / one.dm.rate).toFixed(2)}×, group ${(r.fan.rate / one.fan.rate).toFixed(2)}× (target ≥ 1.4); ` +
          `CPU per message +${(r.dm.cpuMicros - one.dm.cpuMicros).toFixed(0)} µs direct, +${(r.fan.cpuMicros - one.fan.cpuMicros).toFixed(1)} µs per group delivery`,
      );
  } finally {
    for (const n of nodes) await n.stop();
    await drop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
}

await main();
process.exit(0);
