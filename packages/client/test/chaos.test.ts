/**
 * Chaos: 20 people (one ParleyClient each: real MLS, real SQLite stores, real WebSockets) in 10
 * overlapping groups and 5 direct chats, on the real server program (a child process). While
 * messages flow: sockets dropped at random, clients closed and reopened from their stores, the
 * server killed with SIGKILL and restarted on the same data, and adds, removes and self-updates
 * committed concurrently. Every step is drawn from a seeded PRNG and the run is bounded by a
 * number of rounds, not by time.
 *
 * At the end, against the server's log (the order every member processed):
 * - every text message was received exactly once by every device that was a member when it was
 *   ordered in the log and whose membership began at or before the message's epoch (so it holds
 *   that epoch's keys), and by no device that was not (a removed device gets nothing after the
 *   commit that removed it); no duplicate was shown;
 * - each receiver got each sender's messages in the order they were sent;
 * - no client met an undecryptable message or had to rejoin, and every outbox is empty;
 * - all members of each group are in the server's epoch and agree on the epoch authenticator.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toHex } from '@parley/core';
import { nativeCryptoProvider } from '@parley/core/node';
import { type ServerProcess, seededRandom, startServerProcess, until } from '@parley/testing';
import Database from 'better-sqlite3';
import { expect, test } from 'vitest';
import { type ChatMessage, ParleyClient, type SocketFactory } from '../src/index.js';
import { nodeSocketFactory, SqliteRecordStore } from '../src/node.js';
import { hasKeyPackages, type Person, person } from './fixtures.js';

const PEOPLE = 20;
const GROUPS = 10;
const DIRECT_CHATS = 5;
/** Rounds of chaos; PARLEY_CHAOS_ROUNDS and PARLEY_CHAOS_SEED let a longer or another run replay. */
const ROUNDS = Number(process.env.PARLEY_CHAOS_ROUNDS ?? 30);
const SERVER_KILLS_AT = new Set([10, 20]);
/**
 * Real time between rounds (not a wait for anything): the next round's operations land while the
 * last round's are still in flight, as they would with people typing; the server is a real process.
 */
const ROUND_GAP_MS = 30;

interface Device {
  name: string;
  person: Person;
  client: ParleyClient;
  /** The WebSocket the client uses now, so the test can drop it like a network would. */
  socket: { close(): void } | undefined;
  /** Every `message` event, across restarts. */
  shown: ChatMessage[];
}

test('chaos: 20 clients, 10 groups + direct chats, drops, restarts, kill -9, concurrent commits; nothing lost, nothing twice, in order, all agree', async () => {
  const seed = Number(process.env.PARLEY_CHAOS_SEED ?? 0xc4a05);
  const rand = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-chaos-'));
  const clientDir = mkdtempSync(join(tmpdir(), 'parley-chaos-clients-'));
  const limits = { messagesPerSecond: 10_000, loginsPerMinute: 10_000 };
  let server: ServerProcess = await startServerProcess(dataDir, { limits });
  const url = server.url;
  const port = server.port;
  const devices = new Map<string, Device>();
  const undecryptable: unknown[] = [];
  const rejoined: unknown[] = [];
  const started = Date.now();

  const open = async (d: Omit<Device, 'client'> & { client?: ParleyClient }): Promise<Device> => {
    const factory: SocketFactory = (u) => {
      const s = nodeSocketFactory(u);
      device.socket = s;
      return s;
    };
    const client = await ParleyClient.open({
      serverUrl: url,
      identity: d.person.identity,
      records: new SqliteRecordStore(d.person.file),
      storageKey: d.person.key,
      mls: { provider: nativeCryptoProvider },
      socketFactory: factory,
      backoff: { initialMs: 50, maxMs: 400 },
    });
    const device: Device = { ...d, client };
    client.on('message', (m) => device.shown.push(m));
    client.on('undecryptable', (u) => undecryptable.push({ device: d.name, ...u }));
    client.on('rejoined', (r) => rejoined.push({ device: d.name, ...r }));
    devices.set(d.name, device);
    client.start();
    return device;
  };

  try {
    // People and their clients.
    const names = Array.from({ length: PEOPLE }, (_, i) => `p${String(i).padStart(2, '0')}`);
    for (const name of names) {
      const p = await person(url, name);
      p.file = join(clientDir, `${name}.sqlite3`);
      await open({ name, person: p, socket: undefined, shown: [] });
    }
    for (const d of devices.values()) {
      await d.client.connection.waitOnline(30_000);
      await hasKeyPackages(d.client);
    }

    // 10 overlapping groups of 5 and 5 direct chats.
    const conversations: string[] = [];
    /** Who was ever asked to join a conversation: a person is never added twice to one group. */
    const everIn = new Map<string, Set<string>>();
    for (let g = 0; g < GROUPS; g++) {
      const creator = names[g]!;
      const others = new Set<string>();
      while (others.size < 4) {
        const n = pick(names);
        if (n !== creator) others.add(n);
      }
      const id = await devices.get(creator)!.client.createGroup(`group ${g}`, [...others]);
      conversations.push(id);
      everIn.set(id, new Set([creator, ...others]));
    }
    for (let i = 0; i < DIRECT_CHATS; i++) {
      const a = names[10 + i]!;
      const b = names[(15 + i * 3) % PEOPLE]!;
      const id = await devices.get(a)!.client.directConversation(b);
      conversations.push(id);
      everIn.set(id, new Set([a, b]));
    }
    // Everyone has joined everything they were added to.
    await until(
      () =>
        conversations.every((id) =>
          [...everIn.get(id)!].every((n) => devices.get(n)!.client.conversation(id) !== undefined),
        ),
      'everyone joined',
      60_000,
    );

    // Chaos.
    const counters = new Map<string, number>();
    /** Every message a client accepted into its outbox. */
    const queued: Array<{ sender: string; groupId: string; messageId: string; text: string }> = [];
    // Groups someone was removed from: adds after that put newcomers into freed leaves, the case
    // ts-mls 1.6.4's join check refused (packages/core/scripts/patch-ts-mls.mjs corrects it); counted apart.
    const removedFrom = new Set<string>();
    const inFlight: Array<Promise<unknown>> = [];
    const tally = {
      sends: 0,
      refusedSends: 0,
      drops: 0,
      restarts: 0,
      kills: 0,
      adds: 0,
      addsAfterRemoval: 0,
      removes: 0,
      updates: 0,
      refused: 0,
    };
    const attempt = (p: Promise<unknown>) =>
      inFlight.push(
        p.catch(() => {
          tally.refused++; // a commit that lost five races, or was cut off by a restart: allowed
        }),
      );
    for (let round = 0; round < ROUNDS; round++) {
      if (SERVER_KILLS_AT.has(round)) {
        server.child.kill('SIGKILL');
        await server.exited;
        tally.kills++;
        server = await startServerProcess(dataDir, { port, limits });
      }
      for (let i = 0; i < 6; i++) {
        const id = pick(conversations);
        const members = devices.get(pick([...everIn.get(id)!]))!;
        const { client, name } = members;
        const conv = client.conversation(id);
        if (conv === undefined || conv.ended || conv.leaving) continue;
        const n = (counters.get(name) ?? 0) + 1;
        counters.set(name, n);
        // Refused (not active any more) means nothing was queued: a gap in this sender's numbers.
        inFlight.push(
          client.sendText(id, `${name}#${n}`).then(
            (m) => {
              tally.sends++;
              queued.push({ sender: name, groupId: id, messageId: m.id, text: m.text });
            },
            () => tally.refusedSends++,
          ),
        );
      }
      const r = rand();
      if (r < 0.25) {
        const d = pick([...devices.values()]);
        d.socket?.close();
        tally.drops++;
      } else if (r < 0.4) {
        const d = pick([...devices.values()]);
        const old = d.client;
        tally.restarts++;
        await old.close();
        await open({ name: d.name, person: d.person, socket: undefined, shown: d.shown });
      }
      const op = rand();
      const id = pick(conversations.slice(0, GROUPS));
      const inGroup = [...everIn.get(id)!].filter((n) => {
        const c = devices.get(n)!.client.conversation(id);
        return c !== undefined && !c.ended && !c.leaving;
      });
      if (inGroup.length >= 2) {
        const actor = devices.get(pick(inGroup))!.client;
        if (op < 0.2) {
          const newcomer = names.find((n) => !everIn.get(id)!.has(n) && rand() < 0.3);
          if (newcomer !== undefined) {
            everIn.get(id)!.add(newcomer);
            tally.adds++;
            if (removedFrom.has(id)) tally.addsAfterRemoval++;
            attempt(actor.addMembers(id, [newcomer]));
          }
        } else if (op < 0.35 && inGroup.length > 3) {
          const victim = pick(inGroup.filter((n) => n !== actor.accountId));
          removedFrom.add(id);
          tally.removes++;
          attempt(actor.removeMember(id, victim));
        } else if (op < 0.6) {
          tally.updates++;
          attempt(actor.selfUpdate(id));
        }
      }
      await new Promise((resolve) => setTimeout(resolve, ROUND_GAP_MS));
    }

    // Calm: every client online, caught up, outbox empty, every group member in the server's epoch.
    await Promise.all(inFlight.splice(0));
    const serverDb = new Database(join(dataDir, 'parley.sqlite3'), { readonly: true });
    try {
      const serverEpochs = () =>
        new Map(
          (
            serverDb.prepare('select group_id, epoch from groups').all() as Array<{
              group_id: Buffer;
              epoch: number;
            }>
          ).map((g) => [toHex(g.group_id), g.epoch]),
        );
      const activeMembers = (id: string) =>
        (
          serverDb
            .prepare('select username from group_members where group_id = ? and removed_seq is null')
            .all(Buffer.from(id, 'hex')) as Array<{ username: string }>
        ).map((m) => m.username);
      await until(
        async () => {
          for (const d of devices.values()) {
            await d.client.sync(30_000);
            if ((await d.client.pending()) > 0) return false;
          }
          const epochs = serverEpochs();
          return conversations.every((id) =>
            activeMembers(id).every((n) => devices.get(n)!.client.epoch(id) === BigInt(epochs.get(id)!)),
          );
        },
        'every client caught up',
        120_000,
      );

      // The server's log: each message's position and epoch; each device's membership interval.
      const log = new Map<string, { seq: number; epoch: number; kind: number }[]>();
      const members = new Map<
        string,
        Array<{ username: string; joinedSeq: number; removedSeq: number | null }>
      >();
      for (const id of conversations) {
        const gid = Buffer.from(id, 'hex');
        log.set(
          id,
          serverDb
            .prepare('select seq, epoch, kind from messages where group_id = ? order by seq')
            .all(gid) as Array<{ seq: number; epoch: number; kind: number }>,
        );
        members.set(
          id,
          (
            serverDb
              .prepare('select username, joined_seq, removed_seq from group_members where group_id = ?')
              .all(gid) as Array<{ username: string; joined_seq: number; removed_seq: number | null }>
          ).map((m) => ({ username: m.username, joinedSeq: m.joined_seq, removedSeq: m.removed_seq })),
        );
      }
      /** The epoch a device's membership starts in: the one after the commit that added it (0 for the creator). */
      const joinEpoch = (id: string, joinedSeq: number) => {
        const commit = log.get(id)!.find((m) => m.seq === joinedSeq);
        return commit === undefined ? 0 : commit.epoch + 1;
      };

      // Every text message any client sent, from the senders' own histories (the server's seq).
      let checked = 0;
      let deliveries = 0;
      const wrong: string[] = [];
      for (const id of conversations) {
        const sent = new Map<number, ChatMessage>();
        for (const n of everIn.get(id)!) {
          for (const m of await devices.get(n)!.client.history(id)) {
            // Texts only: system lines (a member added …) are no message anybody sent.
            if (m.system === undefined && m.from.accountId === n && m.status !== 'failed') {
              expect(m.status, `${m.text} left the outbox`).not.toBe('sending');
              sent.set(m.seq, m);
            }
          }
        }
        const histories = new Map<string, ChatMessage[]>();
        for (const n of everIn.get(id)!) histories.set(n, await devices.get(n)!.client.history(id));
        for (const [seq, m] of sent) {
          const entry = log.get(id)!.find((e) => e.seq === seq);
          expect(entry, `${m.text} is in the server's log`).toBeDefined();
          checked++;
          for (const member of members.get(id)!) {
            if (member.username === m.from.accountId) continue;
            const shouldHave =
              member.joinedSeq < seq &&
              (member.removedSeq === null || seq < member.removedSeq) &&
              joinEpoch(id, member.joinedSeq) <= entry!.epoch;
            const got = histories.get(member.username)!.filter((h) => h.id === m.id);
            const shown = devices.get(member.username)!.shown.filter((h) => h.id === m.id);
            const want = shouldHave ? 1 : 0;
            if (got.length !== want || shown.length !== want)
              wrong.push(
                `${member.username} stored ${got.length}, was shown ${shown.length} of ${m.text} ` +
                  `(seq ${seq}, epoch ${entry!.epoch}; expected ${want}; membership ${JSON.stringify(member)}, ` +
                  `join epoch ${joinEpoch(id, member.joinedSeq)})`,
              );
            if (shouldHave) deliveries++;
          }
        }
        // Per-sender order: each receiver's history lists each sender's messages in sending order.
        for (const [n, history] of histories) {
          const bySender = new Map<string, number[]>();
          for (const h of history) {
            if (h.from.accountId === n) continue;
            const k = Number(h.text.split('#')[1]);
            bySender.set(h.from.accountId, [...(bySender.get(h.from.accountId) ?? []), k]);
          }
          for (const [s, ks] of bySender)
            expect(ks, `${n} got ${s}'s messages in order`).toEqual([...ks].sort((x, y) => x - y));
        }
        // All current members agree on the epoch and its authenticator.
        const current = activeMembers(id);
        const auths = new Set(current.map((n) => toHex(devices.get(n)!.client.epochAuthenticator(id)!)));
        expect(auths.size, `members of ${id} agree on the epoch authenticator`).toBe(1);
      }
      // Every message a client accepted was sent, unless its sender was removed before it left: it
      // is then never sent, and the sender's history shows it as failed.
      let discarded = 0;
      for (const q of queued) {
        const mine = (await devices.get(q.sender)!.client.history(q.groupId)).find(
          (h) => h.id === q.messageId,
        );
        if (mine !== undefined && mine.seq > 0) continue;
        const ended = devices.get(q.sender)!.client.conversation(q.groupId)?.ended === true;
        if (ended && mine?.status === 'failed') discarded++;
        else wrong.push(`${q.text} from ${q.sender} was accepted but never sent (${mine?.status ?? 'gone'})`);
      }
      expect({ wrong, rejoined }).toEqual({ wrong: [], rejoined: [] });
      if (undecryptable.length > 0) {
        // What the log looked like around each failure, to tell which guarantee broke.
        for (const u of undecryptable as Array<{ device: string; groupId: string; seq: number }>) {
          const entry = log.get(u.groupId)?.find((e) => e.seq === u.seq);
          const member = members.get(u.groupId)?.find((m) => m.username === u.device);
          console.log(
            `undecryptable ${JSON.stringify(u)}: log entry ${JSON.stringify(entry)}, membership ${JSON.stringify(member)}, ` +
              `join epoch ${member ? joinEpoch(u.groupId, member.joinedSeq) : '?'}`,
          );
        }
      }
      expect(undecryptable).toEqual([]);
      console.log(
        `chaos (seed ${seed}): ${checked} messages checked, ${deliveries} deliveries checked, ` +
          `${discarded} not sent (sender removed first, shown as failed), ` +
          `${JSON.stringify(tally)}, ${undecryptable.length} undecryptable, ${Date.now() - started} ms`,
      );
      expect(checked).toBeGreaterThan(100);
    } finally {
      serverDb.close();
    }
  } finally {
    for (const d of devices.values()) await d.client.close().catch(() => {});
    server.child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(clientDir, { recursive: true, force: true });
  }
}, 300_000);
