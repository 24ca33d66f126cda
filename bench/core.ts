/**
 * `npm run bench:core` — client-side MLS costs, ts-mls's default crypto provider (WebCrypto) and
 * Parley's native one (node:crypto) side by side in the same run:
 *   1. application message encrypt + decrypt (100-byte plaintext), two members;
 *   2. commit create / process in groups of 10, 100 and 1,000 members.
 *
 * For (2) the tree is first brought to the state a long-lived group is in: one member from each of
 * the committer's copath subtrees commits once, so every copath node has a key and a commit costs
 * O(log n) public-key operations. The first commit straight after the group was filled by one big
 * Add commit (parents blank, so the path secret goes to every leaf) is reported too, as "cold".
 *
 * Each figure is given as wall time and, in a "cpu" row, as the process's CPU time: on a shared
 * machine the second moves much less with the other work.
 *
 * Options: --quick (smaller sizes and fewer rounds), --sizes N,M, --providers default,native,
 * --json FILE (write the results).
 */
import { writeFileSync } from 'node:fs';
import {
  addKeyPackages,
  type CryptoProvider,
  createAccount,
  createGroup,
  createMlsDevice,
  defaultCryptoProvider,
  encryptApplication,
  type GeneratedKeyPackage,
  type GroupState,
  generateKeyPackage,
  groupMembers,
  joinFromWelcome,
  loadCiphersuite,
  type MlsDevice,
  processIncoming,
  selfUpdate,
  toHex,
} from '@parley/core';
import { nativeCryptoProvider } from '@parley/core/node';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const jsonPath = args.includes('--json') ? args[args.indexOf('--json') + 1] : undefined;
const SUITE = 'MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519' as const;
const option = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const GROUP_SIZES = option('--sizes')?.split(',').map(Number) ?? (quick ? [10, 100] : [10, 100, 1000]);
const only = option('--providers')?.split(',');
const MESSAGE_SECONDS = quick ? 1 : 3;
const COMMIT_ROUNDS = quick ? 3 : 7;

const providers: Array<[string, CryptoProvider]> = (
  [
    ['default', defaultCryptoProvider],
    ['native', nativeCryptoProvider],
  ] as Array<[string, CryptoProvider]>
).filter(([name]) => only === undefined || only.includes(name));

interface Member {
  device: MlsDevice;
  kp?: GeneratedKeyPackage;
  state?: GroupState;
}

async function newMember(name: string, provider: CryptoProvider): Promise<Member> {
  const cs = await loadCiphersuite(SUITE, provider);
  const identity = await createAccount(name, cs);
  return { device: await createMlsDevice(identity, { provider }) };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

/**
 * Runs f, returning its result, wall time and this process's CPU time (all threads, ms). On a machine
 * shared with other work the CPU time is the steadier figure: the wall time also counts the time the
 * process waited for a core.
 */
async function timed<T>(f: () => Promise<T>): Promise<[T, number, number]> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await f();
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  return [r, wall, (cpu.user + cpu.system) / 1000];
}

async function messages(provider: CryptoProvider) {
  const a = await newMember('alice', provider);
  const b = await newMember('bob', provider);
  a.state = await createGroup(a.device);
  b.kp = await generateKeyPackage(b.device);
  const add = await addKeyPackages(a.device, a.state, [b.kp.encoded]);
  a.state = add.newState;
  const kp = b.kp;
  b.state = (await joinFromWelcome(b.device, add.welcome!, { find: async () => kp })).state;
  const plaintext = new Uint8Array(100).fill(0x61);
  // Warm up (JIT, key caches), then measure for a fixed time.
  for (let i = 0; i < 200; i++) {
    const e = await encryptApplication(a.device, a.state, plaintext);
    a.state = e.newState;
    b.state = (await processIncoming(b.device, b.state, e.message)).newState;
  }
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < MESSAGE_SECONDS * 1000) {
    const e = await encryptApplication(a.device, a.state, plaintext);
    a.state = e.newState;
    b.state = (await processIncoming(b.device, b.state, e.message)).newState;
    n++;
  }
  const msPerMessage = (performance.now() - t0) / n;
  return { pairsPerSecond: 1000 / msPerMessage, msPerMessage };
}

async function commits(provider: CryptoProvider, size: number) {
  const members: Member[] = [];
  for (let i = 0; i < size; i++) members.push(await newMember(`m${i}`, provider));
  const creator = members[0]!;
  creator.state = await createGroup(creator.device);
  for (const m of members.slice(1)) m.kp = await generateKeyPackage(m.device);
  const [add, addMs, addCpuMs] = await timed(() =>
    addKeyPackages(
      creator.device,
      creator.state!,
      members.slice(1).map((m) => m.kp!.encoded),
    ),
  );
  creator.state = add.newState;
  if (groupMembers(creator.state).length !== size) throw new Error('group was not filled');

  // Leaf i is member i. The committer is leaf 0; the receiver is the last leaf; the fillers are the
  // first leaf of each copath subtree of leaf 0 (leaves 1, 2, 4, 8, ...).
  const fillers: number[] = [];
  for (let leaf = 1; leaf < size - 1; leaf *= 2) fillers.push(leaf);
  const receiverIndex = size - 1;
  const joiners = [...fillers, receiverIndex];
  const byRef = new Map(members.map((m) => [m.kp ? toHex(m.kp.ref) : '', m.kp]));
  let joinMs = 0;
  let joinCpuMs = 0;
  for (const i of joiners) {
    const m = members[i]!;
    const [joined, ms, cpuMs] = await timed(() =>
      joinFromWelcome(m.device, add.welcome!, {
        find: async (ref) => (toHex(ref) === toHex(m.kp!.ref) ? byRef.get(toHex(ref)) : undefined),
      }),
    );
    m.state = joined.state;
    joinMs = ms;
    joinCpuMs = cpuMs;
  }
  const committer = creator;
  const receiver = members[receiverIndex]!;
  const active = [committer, ...joiners.map((i) => members[i]!)];

  interface CommitTimes {
    createMs: number;
    processMs: number;
    createCpuMs: number;
    processCpuMs: number;
  }
  async function commitFrom(from: Member): Promise<CommitTimes> {
    const [c, createMs, createCpuMs] = await timed(() => selfUpdate(from.device, from.state!));
    from.state = c.newState;
    let processMs = 0;
    let processCpuMs = 0;
    for (const m of active) {
      if (m === from) continue;
      const [r, ms, cpuMs] = await timed(() => processIncoming(m.device, m.state!, c.commit));
      m.state = r.newState;
      if (m === receiver) [processMs, processCpuMs] = [ms, cpuMs];
    }
    return { createMs, processMs, createCpuMs, processCpuMs };
  }

  // Cold: the first commit after the big Add, while the committer's copath nodes are blank.
  const cold = await commitFrom(committer);
  for (const i of fillers) await commitFrom(members[i]!);
  const rounds: CommitTimes[] = [];
  for (let round = 0; round < COMMIT_ROUNDS; round++) rounds.push(await commitFrom(committer));
  return {
    size,
    addAllMs: addMs,
    joinMs,
    coldCreateMs: cold.createMs,
    coldProcessMs: cold.processMs,
    createMs: median(rounds.map((r) => r.createMs)),
    processMs: median(rounds.map((r) => r.processMs)),
    cpu: {
      addAllMs: addCpuMs,
      joinMs: joinCpuMs,
      coldCreateMs: cold.createCpuMs,
      coldProcessMs: cold.processCpuMs,
      createMs: median(rounds.map((r) => r.createCpuMs)),
      processMs: median(rounds.map((r) => r.processCpuMs)),
    },
  };
}

function fmt(x: number, digits = 2): string {
  return x >= 100 ? x.toFixed(0) : x.toFixed(digits);
}

async function main() {
  console.log(`Parley bench:core — ${SUITE}, node ${process.version}${quick ? ' (quick)' : ''}\n`);
  const results: Record<string, unknown> = { suite: SUITE, node: process.version, quick };

  const msg: Record<string, Awaited<ReturnType<typeof messages>>> = {};
  for (const [name, provider] of providers) msg[name] = await messages(provider);
  console.log('1. Application message, 100 B: encrypt + decrypt');
  console.log('   provider   pairs/s    ms/message');
  for (const [name] of providers) {
    const r = msg[name]!;
    console.log(
      `   ${name.padEnd(9)}  ${fmt(r.pairsPerSecond, 0).padStart(7)}    ${r.msPerMessage.toFixed(3)}`,
    );
  }
  const speedup =
    msg.native && msg.default ? msg.native.pairsPerSecond / msg.default.pairsPerSecond : undefined;
  if (speedup !== undefined) console.log(`   native / default: ${speedup.toFixed(2)}x`);
  console.log('');
  results.messages = { ...msg, nativeOverDefault: speedup };

  console.log('2. Commits (self-update; median of rounds, ms; each provider\'s "cpu" row: CPU time)');
  console.log('   members  provider   create   process   cold create  cold process   add all   join');
  const commitResults: Record<string, unknown>[] = [];
  for (const size of GROUP_SIZES) {
    const perProvider: Record<string, Awaited<ReturnType<typeof commits>>> = {};
    for (const [name, provider] of providers) {
      const r = await commits(provider, size);
      perProvider[name] = r;
      for (const [label, t] of [
        [name, r],
        ['  cpu', r.cpu],
      ] as const)
        console.log(
          `   ${String(size).padStart(7)}  ${label.padEnd(9)} ${fmt(t.createMs).padStart(7)}  ${fmt(t.processMs).padStart(8)}   ${fmt(t.coldCreateMs).padStart(11)}  ${fmt(t.coldProcessMs).padStart(12)}  ${fmt(t.addAllMs).padStart(8)}  ${fmt(t.joinMs).padStart(5)}`,
        );
    }
    const d = perProvider.default;
    const n = perProvider.native;
    if (d && n)
      console.log(
        `   ${String(size).padStart(7)}  ratio      ${(d.createMs / n.createMs).toFixed(2).padStart(6)}x ${(d.processMs / n.processMs).toFixed(2).padStart(8)}x   ${(d.coldCreateMs / n.coldCreateMs).toFixed(2).padStart(10)}x ${(d.coldProcessMs / n.coldProcessMs).toFixed(2).padStart(12)}x  (default / native)`,
      );
    commitResults.push({ size, ...perProvider });
  }
  results.commits = commitResults;
  if (jsonPath) writeFileSync(jsonPath, `${JSON.stringify(results, null, 2)}\n`);
}

await main();
