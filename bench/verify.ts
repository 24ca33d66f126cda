/**
 * `npm run bench:verify` — the server's CPU for accepting one commit (a self-update with its new
 * epoch's GroupInfo) in groups of 100 and 500 members, before and after the server verified
 * handshakes against the group's public state (issue #15 item 1), on the native crypto provider the
 * server uses. Only the server's own work is timed, in this process (no network, no database):
 *   before: decode the commit, decode the GroupInfo (the old checks: group id and epoch);
 *   after:  decode the commit, verify it and compute the next public state (signature, UpdatePath,
 *           parent hash, tree hash, transcript hashes), check the GroupInfo against that state,
 *           encode the state for storage;
 *   reload: decode a stored state (another node moved the group on, or a cold cache).
 * Options: --sizes 100,500 --rounds 7.
 */
import {
  addKeyPackages,
  advancePublicState,
  bytesEqual,
  type CredentialCheck,
  certificateFromCredential,
  checkGroupInfo,
  createAccount,
  createGroup,
  createMlsDevice,
  decodeMessage,
  decodePublicGroupState,
  encodePublicGroupState,
  exportGroupInfo,
  generateKeyPackage,
  loadCiphersuite,
  type PublicMessage,
  publicStateFromGroupInfo,
  selfUpdate,
} from '@parley/core';
import { nativeCryptoProvider } from '@parley/core/node';

const args = process.argv.slice(2);
const option = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const SIZES = option('--sizes')?.split(',').map(Number) ?? [100, 500];
const ROUNDS = Number(option('--rounds') ?? 7);
const SUITE = 'MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519' as const;

/** What the server's directory answers, here: a certificate for exactly that key. */
const certified: CredentialCheck = async (credential, key) =>
  bytesEqual(certificateFromCredential(credential).deviceKey, key);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

/** CPU milliseconds (user + system) `f` takes. */
async function cpu(f: () => Promise<unknown>): Promise<number> {
  const t0 = process.cpuUsage();
  await f();
  const d = process.cpuUsage(t0);
  return (d.user + d.system) / 1000;
}

function publicOf(bytes: Uint8Array): PublicMessage {
  const m = decodeMessage(bytes);
  if (m.wireformat !== 'mls_public_message') throw new Error('not a PublicMessage');
  return m.publicMessage;
}

async function group(size: number) {
  const cs = await loadCiphersuite(SUITE, nativeCryptoProvider);
  const devices = [];
  for (let i = 0; i < size; i++)
    devices.push(await createMlsDevice(await createAccount(`m${i}`, cs), { provider: nativeCryptoProvider }));
  const creator = devices[0]!;
  let state = await createGroup(creator);
  const kps = [];
  for (const d of devices.slice(1)) kps.push((await generateKeyPackage(d)).encoded);
  state = (await addKeyPackages(creator, state, kps)).newState;
  return { cs, creator, state };
}

async function measure(size: number) {
  const { cs, creator, state: start } = await group(size);
  let state = start;
  let tracked = await publicStateFromGroupInfo(await exportGroupInfo(creator, state), cs, certified, {
    groupId: state.groupContext.groupId,
    epoch: Number(state.groupContext.epoch),
    cipherSuite: SUITE,
  });
  const before: number[] = [];
  const after: number[] = [];
  const reload: number[] = [];
  for (let round = 0; round < ROUNDS + 1; round++) {
    const c = await selfUpdate(creator, state);
    const b = await cpu(async () => {
      decodeMessage(c.commit);
      decodeMessage(c.groupInfo);
    });
    let stored: Uint8Array = new Uint8Array();
    const a = await cpu(async () => {
      const next = await advancePublicState(tracked, publicOf(c.commit), [], cs, certified);
      await checkGroupInfo(next.state, c.groupInfo, cs);
      stored = encodePublicGroupState(next.state);
      tracked = next.state;
    });
    const r = await cpu(async () => decodePublicGroupState(stored));
    state = c.newState;
    if (round === 0) continue; // warm-up
    before.push(b);
    after.push(a);
    reload.push(r);
  }
  return { size, before: median(before), after: median(after), reload: median(reload) };
}

console.log(`server CPU per accepted commit (self-update + GroupInfo), median of ${ROUNDS}, ms`);
console.log('  members    before     after    reload');
for (const size of SIZES) {
  const r = await measure(size);
  const f = (x: number) => x.toFixed(2).padStart(9);
  console.log(`  ${String(r.size).padStart(7)} ${f(r.before)} ${f(r.after)} ${f(r.reload)}`);
}
