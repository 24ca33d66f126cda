/**
 * Groups and delivery: the Delivery Service proper.
 *
 * Each group has one append-only log; each member device has a cursor into it. A message is stored
 * once, whatever the group's size. The server orders commits: it accepts a commit only for the
 * group's current epoch (compare-and-set in the database), so of two concurrent commits exactly one
 * wins and the other gets `stale_epoch`. Commits and proposals are PublicMessages, so the server
 * reads the membership changes they make (adds by key package, removes by leaf index), keeps the
 * member list with MLS's leaf positions, and enforces it: only current member devices post or read,
 * and a removed device sees nothing after the commit that removed it.
 */

import type { CiphersuiteName, KeyPackage, PrivateMessage, Proposal, PublicMessage } from '@parley/core';
import {
  bytesEqual,
  type ClientFrame,
  certificateFromCredential,
  DecodeError,
  decodeMessage,
  encodeServerFrame,
  MAX_FETCH,
  makeKeyPackageReference,
  makeProposalReference,
  type ServerFrame,
  SUPPORTED_CIPHERSUITES,
  toHex,
} from '@parley/core';
import { PostgresAdapter, sql, type Transaction } from 'kysely';
import { suite } from './crypto.js';
import type { Database, Db, GroupMembersTable } from './db.js';
import { type DeviceSession, FrameError, type Hub, type Pipeline } from './hub.js';
import type { Metrics } from './metrics.js';
import { type Bulk, type Outcome as WriteOutcome, writerFor } from './writeBatch.js';

const KIND = { application: 0, proposal: 1, commit: 2 } as const;

type Frame<T extends ClientFrame['type']> = Extract<ClientFrame, { type: T }>;

type Member = Omit<GroupMembersTable, 'group_id'>;

interface Added {
  username: string;
  deviceId: string;
  ref: Uint8Array;
}

/** What a message does, worked out before the transaction that stores it. */
interface Plan {
  kind: number;
  epoch: number;
  /** For commits: leaves removed, devices added (in proposal order), and the Welcome. */
  removedLeaves: number[];
  added: Added[];
  welcome: Uint8Array | null;
  /** For proposals: their ProposalRef, so a later commit can name them. */
  proposalRef: Uint8Array | null;
  /** For external commits: the device joining (it takes a leaf after the removes). */
  joiner: { username: string; deviceId: string } | null;
}

/** A message stored under the id a `send` carries. */
interface Existing {
  seq: number;
  sender_username: string;
  sender_device: string;
  epoch: number;
  kind: number;
}

/**
 * A retry of a message already stored gets the same answer, and nothing is stored twice; another
 * device's message id is refused.
 */
function answerAgain(existing: Existing, session: DeviceSession, f: Frame<'send'>): ServerFrame {
  if (existing.sender_username !== session.accountId || existing.sender_device !== session.deviceId) {
    throw new FrameError('duplicate_message_id', 'message id already used');
  }
  return {
    type: 'sent',
    requestId: f.requestId,
    seq: existing.seq,
    epoch: existing.epoch + (existing.kind === KIND.commit ? 1 : 0),
  };
}

async function storedAnswer(
  db: Db,
  session: DeviceSession,
  f: Frame<'send'>,
): Promise<ServerFrame | undefined> {
  const existing = await db
    .selectFrom('messages')
    .select(['seq', 'sender_username', 'sender_device', 'epoch', 'kind'])
    .where('group_id', '=', f.groupId)
    .where('message_id', '=', f.messageId)
    .executeTakeFirst();
  return existing === undefined ? undefined : answerAgain(existing, session, f);
}

/** The group, the sender's membership in it, and a message stored under the `send`'s id, in one query. */
function checkQuery(tx: Transaction<Database>, session: DeviceSession, f: Frame<'send'>) {
  return tx
    .selectFrom('groups')
    .leftJoin('group_members as me', (join) =>
      join
        .onRef('me.group_id', '=', 'groups.group_id')
        .on('me.username', '=', session.accountId)
        .on('me.device_id', '=', session.deviceId),
    )
    .leftJoin('messages as stored', (join) =>
      join.onRef('stored.group_id', '=', 'groups.group_id').on('stored.message_id', '=', f.messageId),
    )
    .select([
      'groups.epoch',
      'me.leaf_index',
      'me.removed_seq',
      'stored.seq',
      'stored.sender_username',
      'stored.sender_device',
      'stored.epoch as stored_epoch',
      'stored.kind',
    ])
    .where('groups.group_id', '=', f.groupId);
}

type CheckRow = Awaited<ReturnType<ReturnType<typeof checkQuery>['executeTakeFirstOrThrow']>>;

async function groupOf(db: Db, groupId: Uint8Array) {
  const group = await db.selectFrom('groups').selectAll().where('group_id', '=', groupId).executeTakeFirst();
  if (group === undefined) throw new FrameError('not_found', 'no such group');
  return group;
}

async function memberOf(db: Db, groupId: Uint8Array, session: DeviceSession): Promise<Member | undefined> {
  return db
    .selectFrom('group_members')
    .select(['username', 'device_id', 'leaf_index', 'joined_seq', 'removed_seq', 'acked_seq'])
    .where('group_id', '=', groupId)
    .where('username', '=', session.accountId)
    .where('device_id', '=', session.deviceId)
    .executeTakeFirst();
}

async function activeMembers(db: Db | Transaction<Database>, groupId: Uint8Array): Promise<Member[]> {
  return db
    .selectFrom('group_members')
    .select(['username', 'device_id', 'leaf_index', 'joined_seq', 'removed_seq', 'acked_seq'])
    .where('group_id', '=', groupId)
    .where('removed_seq', 'is', null)
    .execute();
}

/**
 * The first epoch a member holds the keys of: the epoch after the commit that added it (the
 * group's first epoch for its creator). Undefined if retention deleted that commit.
 */
async function joinEpoch(
  db: Db | Transaction<Database>,
  groupId: Uint8Array,
  joinedSeq: number,
): Promise<number | undefined> {
  if (joinedSeq === 0) return 0;
  const commit = await db
    .selectFrom('messages')
    .select('epoch')
    .where('group_id', '=', groupId)
    .where('seq', '=', joinedSeq)
    .where('kind', '=', KIND.commit)
    .executeTakeFirst();
  return commit === undefined ? undefined : commit.epoch + 1;
}

/** The device a key package being added belongs to, checked against the directory. */
async function addedDevice(db: Db, kp: KeyPackage, cipherSuite: string): Promise<Added> {
  if (kp.cipherSuite !== cipherSuite)
    throw new FrameError('invalid_commit', 'added key package is for another ciphersuite');
  let cert: ReturnType<typeof certificateFromCredential>;
  try {
    cert = certificateFromCredential(kp.leafNode.credential);
  } catch {
    throw new FrameError('invalid_commit', 'added key package has no valid certificate');
  }
  const device = await db
    .selectFrom('devices')
    .select(['device_key', 'revoked_at'])
    .where('username', '=', cert.accountId)
    .where('device_id', '=', cert.deviceId)
    .executeTakeFirst();
  if (
    device === undefined ||
    device.revoked_at !== null ||
    !bytesEqual(device.device_key, kp.leafNode.signaturePublicKey)
  ) {
    throw new FrameError('invalid_commit', 'added device is not a registered, unrevoked device');
  }
  return {
    username: cert.accountId,
    deviceId: cert.deviceId,
    ref: await makeKeyPackageReference(kp, await suite(cipherSuite)),
  };
}

/**
 * An external commit (RFC 9420 §12.4.3.2): a device joins from the group's GroupInfo without a
 * member's help — a member device that lost its state (it must remove its own old leaf), or a new
 * device of an account that has a device in the group. Nobody else may join this way.
 */
async function planExternalCommit(
  db: Db,
  group: { group_id: Uint8Array; epoch: number },
  session: DeviceSession,
  me: Member | undefined,
  pm: PublicMessage,
): Promise<Plan> {
  if (pm.content.contentType !== 'commit')
    throw new FrameError('invalid_message', 'only commits come from new members');
  const leaf = pm.content.commit.path?.leafNode;
  const device = await db
    .selectFrom('devices')
    .select(['device_key', 'certificate'])
    .where('username', '=', session.accountId)
    .where('device_id', '=', session.deviceId)
    .executeTakeFirstOrThrow();
  if (leaf === undefined || !bytesEqual(leaf.signaturePublicKey, device.device_key)) {
    throw new FrameError('wrong_sender', 'an external commit must carry the sending device’s own leaf');
  }
  const removedLeaves: number[] = [];
  let externalInit = 0;
  for (const p of pm.content.commit.proposals) {
    if (p.proposalOrRefType !== 'proposal')
      throw new FrameError('invalid_commit', 'external commits carry proposals by value');
    if (p.proposal.proposalType === 'external_init') externalInit++;
    else if (p.proposal.proposalType === 'remove') {
      removedLeaves.push((p.proposal as Extract<Proposal, { proposalType: 'remove' }>).remove.removed);
    } else if (p.proposal.proposalType !== 'psk') {
      throw new FrameError(
        'invalid_commit',
        `${p.proposal.proposalType} is not allowed in an external commit`,
      );
    }
  }
  if (externalInit !== 1)
    throw new FrameError('invalid_commit', 'an external commit needs exactly one ExternalInit');
  const ownOldLeaf = me !== undefined && me.removed_seq === null ? me.leaf_index : undefined;
  const expected = ownOldLeaf === undefined ? [] : [ownOldLeaf];
  if (removedLeaves.length !== expected.length || removedLeaves.some((l, i) => l !== expected[i])) {
    throw new FrameError(
      'invalid_commit',
      'an external commit may only remove (and a member device must remove) its own old leaf',
    );
  }
  return {
    kind: KIND.commit,
    epoch: group.epoch,
    removedLeaves,
    added: [],
    welcome: null,
    proposalRef: null,
    joiner: { username: session.accountId, deviceId: session.deviceId },
  };
}

async function planHandshake(
  db: Db,
  group: { group_id: Uint8Array; epoch: number; cipher_suite: string },
  me: Member,
  pm: PublicMessage,
  welcome: Uint8Array | null,
): Promise<Plan> {
  if (pm.content.sender.senderType !== 'member' || pm.content.sender.leafIndex !== me.leaf_index) {
    throw new FrameError('wrong_sender', 'a handshake message must come from the sending device’s own leaf');
  }
  if (pm.content.contentType === 'proposal') {
    const cs = await suite(group.cipher_suite);
    const ref = await makeProposalReference(pm, cs);
    return {
      kind: KIND.proposal,
      epoch: group.epoch,
      removedLeaves: [],
      added: [],
      welcome: null,
      proposalRef: ref,
      joiner: null,
    };
  }
  if (pm.content.contentType !== 'commit')
    throw new FrameError('invalid_message', 'application data must be encrypted');
  // The proposals the commit applies: inline, or by reference to proposals sent in this epoch.
  const proposals: Proposal[] = [];
  for (const p of pm.content.commit.proposals) {
    if (p.proposalOrRefType === 'proposal') {
      proposals.push(p.proposal);
      continue;
    }
    const stored = await db
      .selectFrom('proposals')
      .select('data')
      .where('group_id', '=', group.group_id)
      .where('epoch', '=', group.epoch)
      .where('ref', '=', p.reference)
      .executeTakeFirst();
    if (stored === undefined)
      throw new FrameError('invalid_commit', 'commit refers to a proposal the server has not seen');
    const message = decodeMessage(stored.data);
    if (
      message.wireformat !== 'mls_public_message' ||
      message.publicMessage.content.contentType !== 'proposal'
    ) {
      throw new FrameError('internal', 'stored proposal is not a proposal');
    }
    proposals.push(message.publicMessage.content.proposal);
  }
  const removedLeaves: number[] = [];
  const added: Added[] = [];
  for (const p of proposals) {
    if (p.proposalType === 'remove')
      removedLeaves.push((p as Extract<Proposal, { proposalType: 'remove' }>).remove.removed);
    else if (p.proposalType === 'add') {
      added.push(
        await addedDevice(
          db,
          (p as Extract<Proposal, { proposalType: 'add' }>).add.keyPackage,
          group.cipher_suite,
        ),
      );
    } else if (p.proposalType === 'external_init' || p.proposalType === 'reinit') {
      throw new FrameError('unsupported', `${p.proposalType} proposals are not supported`);
    }
  }
  if (added.length > 0) {
    if (welcome === null)
      throw new FrameError('invalid_commit', 'a commit that adds devices needs their Welcome');
    let w: ReturnType<typeof decodeMessage>;
    try {
      w = decodeMessage(welcome);
    } catch {
      throw new FrameError('invalid_commit', 'Welcome does not decode');
    }
    if (w.wireformat !== 'mls_welcome') throw new FrameError('invalid_commit', 'not a Welcome');
    const refs = new Set(w.welcome.secrets.map((s) => toHex(s.newMember)));
    if (!added.every((a) => refs.has(toHex(a.ref)))) {
      throw new FrameError('invalid_commit', 'the Welcome is not addressed to every added device');
    }
  } else if (welcome !== null) {
    throw new FrameError('invalid_commit', 'a Welcome without added devices');
  }
  return {
    kind: KIND.commit,
    epoch: group.epoch,
    removedLeaves,
    added,
    welcome,
    proposalRef: null,
    joiner: null,
  };
}

export function groups(hub: Hub, { db, metrics }: { db: Db; metrics: Metrics }): void {
  /**
   * Members by (group, epoch). Membership changes only through commits, and every commit moves the
   * epoch, so an entry can never be stale; it spares reading every member row for every message.
   */
  const memberCache = new Map<string, Member[]>();
  async function membersAt(tx: Transaction<Database>, groupId: Uint8Array, epoch: number): Promise<Member[]> {
    const key = `${toHex(groupId)}:${epoch}`;
    let members = memberCache.get(key);
    if (members === undefined) {
      members = await activeMembers(tx, groupId);
      if (memberCache.size >= 10_000) memberCache.delete(memberCache.keys().next().value!);
      memberCache.set(key, members);
    }
    return members;
  }
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  /** Message writes: group-committed, one batch at a time (see writeBatch.ts). */
  const write = writerFor(db, () => memberCache.clear());

  hub.on('group_create', async (session, frame): Promise<ServerFrame> => {
    const f = frame as Frame<'group_create'>;
    if (!SUPPORTED_CIPHERSUITES.includes(f.cipherSuite as CiphersuiteName)) {
      throw new FrameError('unsupported', 'ciphersuite not offered by this server');
    }
    await db.transaction().execute(async (tx) => {
      const inserted = await tx
        .insertInto('groups')
        .values({
          group_id: f.groupId,
          cipher_suite: f.cipherSuite,
          epoch: 0,
          next_seq: 1,
          created_by: session.accountId,
          created_at: Date.now(),
          group_info: null,
          group_info_epoch: null,
        })
        .onConflict((oc) => oc.doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) !== 1)
        throw new FrameError('group_exists', 'group id in use');
      // The creator of an MLS group is its only member, at leaf 0, epoch 0.
      await tx
        .insertInto('group_members')
        .values({
          group_id: f.groupId,
          username: session.accountId,
          device_id: session.deviceId,
          leaf_index: 0,
          joined_seq: 0,
          removed_seq: null,
          acked_seq: 0,
        })
        .execute();
    });
    return { type: 'ok', requestId: f.requestId };
  });

  type Outcome =
    | { seq: number; epoch: number; recipients: Member[] }
    | { stale: number }
    | { answer: ServerFrame };
  /** A message stored at `seq` (the group now at `epoch`), or none: the epoch was not current. */
  type Claimed = { seq: number; epoch: number } | { seq: undefined; epoch: number };

  /**
   * After a message is stored at `seq` (the group now at `newEpoch`), in the same transaction: who
   * receives it, and what a proposal or commit changes.
   */
  async function storedOutcome(
    tx: Transaction<Database>,
    session: DeviceSession,
    f: Frame<'send'>,
    plan: Plan,
    seq: number,
    newEpoch: number,
    now: number,
  ): Promise<Outcome> {
    const oldEpoch = plan.kind === KIND.commit ? newEpoch - 1 : newEpoch;
    const before = await membersAt(tx, f.groupId, oldEpoch);
    let recipients = before.filter(
      (m) => !(m.username === session.accountId && m.device_id === session.deviceId),
    );
    if (plan.kind === KIND.application && plan.epoch < oldEpoch) {
      // Encrypted in an earlier epoch than the group's (the sender had not yet seen the latest
      // commits): devices added since cannot read it, so it is not theirs (fetch skips it too).
      const joined = await Promise.all(recipients.map((m) => joinEpoch(tx, f.groupId, m.joined_seq)));
      recipients = recipients.filter((_, i) => (joined[i] ?? 0) <= plan.epoch);
    }
    if (plan.proposalRef !== null) {
      await tx
        .insertInto('proposals')
        .values({ group_id: f.groupId, epoch: plan.epoch, ref: plan.proposalRef, data: f.payload })
        .onConflict((oc) => oc.doNothing())
        .execute();
    }
    if (plan.kind === KIND.commit) {
      await applyMembership(tx, f.groupId, seq, before, plan, now);
      await tx
        .deleteFrom('proposals')
        .where('group_id', '=', f.groupId)
        .where('epoch', '<', newEpoch)
        .execute();
    }
    return { seq, epoch: newEpoch, recipients };
  }

  /**
   * Queue a message's write (group commit, writeBatch.ts). `check` runs first in the same
   * transaction and may refuse the message (throw), answer it without storing (a retry), or store
   * it itself (the claim and insert below, done its own way). `bulk`: how it is stored together
   * with others of its kind.
   */
  function store(
    session: DeviceSession,
    f: Frame<'send'>,
    plan: Plan,
    now: number,
    check?: (tx: Transaction<Database>) => Promise<ServerFrame | Claimed | undefined>,
    bulk?: Bulk<Outcome>,
  ): Promise<Outcome> {
    /** Claim the next sequence number (and epoch, for a commit) and insert the message. */
    async function claimAndInsert(tx: Transaction<Database>): Promise<Claimed> {
      // Compare-and-set in one statement: the UPDATE takes the group row's lock, checks that a
      // handshake message's epoch is still current, and claims the next sequence number. A
      // concurrent writer, on this node or another, waits for that lock and then sees the new row,
      // so its commit for the old epoch matches nothing and gets stale_epoch. Writes earlier in the
      // same batch are seen too: they ran in this transaction.
      let claim = tx
        .updateTable('groups')
        .set((eb) => ({
          next_seq: eb('next_seq', '+', 1),
          epoch: eb('epoch', '+', plan.kind === KIND.commit ? 1 : 0),
        }))
        .where('group_id', '=', f.groupId);
      if (plan.kind !== KIND.application) claim = claim.where('epoch', '=', plan.epoch);
      const claimed = await claim.returning(['next_seq', 'epoch']).executeTakeFirst();
      if (claimed === undefined) {
        const current = await tx
          .selectFrom('groups')
          .select('epoch')
          .where('group_id', '=', f.groupId)
          .executeTakeFirstOrThrow();
        return { seq: undefined, epoch: current.epoch };
      }
      const seq = claimed.next_seq - 1;
      await tx
        .insertInto('messages')
        .values({
          group_id: f.groupId,
          seq,
          message_id: f.messageId,
          sender_username: session.accountId,
          sender_device: session.deviceId,
          epoch: plan.epoch,
          kind: plan.kind,
          data: f.payload,
          created_at: now,
        })
        .execute();
      return { seq, epoch: claimed.epoch };
    }
    return write(
      async (tx): Promise<Outcome> => {
        const checked = check === undefined ? undefined : await check(tx);
        if (checked !== undefined && 'type' in checked) return { answer: checked };
        const { seq, epoch: newEpoch } = checked ?? (await claimAndInsert(tx));
        if (seq === undefined) return { stale: newEpoch };
        return storedOutcome(tx, session, f, plan, seq, newEpoch, now);
      },
      toHex(f.groupId),
      bulk,
    );
  }

  /** An application message to store in bulk (PostgreSQL): see `storeApplications`. */
  interface ApplicationWrite {
    session: DeviceSession;
    f: Frame<'send'>;
    plan: Plan;
    now: number;
    /** What the checks that need no database say: the message is for this group, and alone. */
    valid: boolean;
    refusal: (row: CheckRow | undefined) => ServerFrame | undefined;
  }

  /**
   * Several application messages (of any groups) stored in one statement, one round trip: each
   * one's checks (as `checkQuery`), then for each group the sequence numbers of the messages that
   * pass them, claimed in one update of its row (rows locked in group id order, as the writer
   * orders its writes), and the inserts. A message its checks refuse changes nothing.
   */
  async function storeApplications(
    tx: Transaction<Database>,
    writes: ApplicationWrite[],
  ): Promise<WriteOutcome<Outcome>[]> {
    const input = sql.join(
      writes.map(
        (w, i) =>
          sql`(${i}::integer, ${w.f.groupId}::bytea, ${w.f.messageId}::bytea, ${w.session.accountId}::text,
            ${w.session.deviceId}::text, ${w.plan.epoch}::bigint, ${w.f.payload}::bytea, ${w.now}::bigint,
            ${w.valid}::boolean)`,
      ),
    );
    const { rows } = await sql<
      CheckRow & { found: boolean; new_seq: number | null; new_epoch: number | null }
    >`
      with input (i, group_id, message_id, username, device_id, epoch, data, created_at, valid) as (values ${input}),
      chk as (
        select input.i, input.group_id, groups.group_id is not null as found, groups.epoch, me.leaf_index,
          me.removed_seq, stored.seq, stored.sender_username, stored.sender_device, stored.epoch as stored_epoch,
          stored.kind,
          (groups.group_id is not null and input.valid and me.leaf_index is not null and me.removed_seq is null
            and stored.seq is null and groups.epoch >= input.epoch) as ok
        from input
        left join groups on groups.group_id = input.group_id
        left join group_members me on me.group_id = input.group_id and me.username = input.username
          and me.device_id = input.device_id
        left join messages stored on stored.group_id = input.group_id and stored.message_id = input.message_id
      ),
      counts as (select group_id, count(*) as n from chk where ok group by group_id),
      locked as (
        select group_id from groups where group_id in (select group_id from counts) order by group_id for update
      ),
      claimed as (
        update groups set next_seq = groups.next_seq + counts.n from counts, locked
        where groups.group_id = counts.group_id and locked.group_id = counts.group_id
        returning groups.group_id, groups.next_seq - counts.n as first_seq, groups.epoch
      ),
      numbered as (
        select chk.i, claimed.first_seq + row_number() over (partition by chk.group_id order by chk.i) - 1 as seq,
          claimed.epoch
        from chk join claimed on claimed.group_id = chk.group_id
        where chk.ok
      ),
      inserted as (
        insert into messages (group_id, seq, message_id, sender_username, sender_device, epoch, kind, data, created_at)
        select input.group_id, numbered.seq, input.message_id, input.username, input.device_id, input.epoch,
          ${KIND.application}::integer, input.data, input.created_at
        from numbered join input on input.i = numbered.i
      )
      select chk.*, numbered.seq as new_seq, numbered.epoch as new_epoch
      from chk left join numbered on numbered.i = chk.i
      order by chk.i`.execute(tx);
    const outcomes: WriteOutcome<Outcome>[] = [];
    for (const [i, w] of writes.entries()) {
      const row = rows[i]!;
      if (row.new_seq !== null && row.new_epoch !== null) {
        outcomes.push({
          ok: true,
          value: await storedOutcome(tx, w.session, w.f, w.plan, row.new_seq, row.new_epoch, w.now),
        });
        continue;
      }
      try {
        const again = w.refusal(row.found ? row : undefined);
        if (again === undefined) throw new Error('message neither stored nor refused');
        outcomes.push({ ok: true, value: { answer: again } });
      } catch (error) {
        outcomes.push({ ok: false, error });
      }
    }
    return outcomes;
  }

  /** Wait for a queued write to be durable, then push the message and answer its sender. */
  async function answer(
    session: DeviceSession,
    f: Frame<'send'>,
    plan: Plan,
    stored: Promise<Outcome>,
  ): Promise<ServerFrame> {
    let outcome: Outcome;
    try {
      outcome = await stored;
    } catch (e) {
      // The same message id sent at the same moment through two connections (or nodes): the
      // unique constraint let one in; the other gets its answer.
      const existing = await storedAnswer(db, session, f);
      if (existing !== undefined) return existing;
      throw e;
    }
    if ('answer' in outcome) return outcome.answer;
    if ('stale' in outcome) {
      metrics.commitConflicts.inc();
      return { type: 'stale_epoch', requestId: f.requestId, epoch: outcome.stale };
    }
    metrics.messagesIn.inc();
    // One encoding of the push, shared by every recipient.
    const push = encodeServerFrame({
      type: 'deliver',
      requestId: 0,
      groupId: f.groupId,
      seq: outcome.seq,
      payload: f.payload,
    });
    metrics.messagesOut.inc(
      hub.pushTo(
        outcome.recipients.map((m) => ({ accountId: m.username, deviceId: m.device_id })),
        push,
      ),
    );
    if (plan.welcome !== null) {
      const welcome = encodeServerFrame({
        type: 'welcome',
        requestId: 0,
        groupId: f.groupId,
        seq: outcome.seq,
        welcome: plan.welcome,
      });
      hub.pushTo(
        plan.added.map((a) => ({ accountId: a.username, deviceId: a.deviceId })),
        welcome,
      );
    }
    return { type: 'sent', requestId: f.requestId, seq: outcome.seq, epoch: outcome.epoch };
  }

  /**
   * An application message (a PrivateMessage) is pipelined: every check that reads the database
   * runs inside its write, so the frame queues its write at once and lets the connection's next
   * frame start; a sender with many messages in flight gets them into one group commit. The checks
   * are those of a handshake message, in the same order, so the answers are the same.
   */
  function sendApplication(
    session: DeviceSession,
    f: Frame<'send'>,
    pm: PrivateMessage,
    pipeline: Pipeline,
  ): Promise<ServerFrame> {
    const plan: Plan = {
      kind: KIND.application,
      epoch: Number(pm.epoch),
      removedLeaves: [],
      added: [],
      welcome: null,
      proposalRef: null,
      joiner: null,
    };
    /**
     * The answer to a message the checks refuse or find already stored (`row`: the group, the
     * sender's membership and a message stored under the id; undefined: no such group). Throws
     * the refusal; undefined when the message may be stored.
     */
    const refusal = (row: CheckRow | undefined): ServerFrame | undefined => {
      if (row === undefined) throw new FrameError('not_found', 'no such group');
      if (row.seq !== null) {
        const existing = {
          seq: row.seq,
          sender_username: row.sender_username!,
          sender_device: row.sender_device!,
          epoch: row.stored_epoch!,
          kind: row.kind!,
        };
        return answerAgain(existing, session, f);
      }
      if (row.leaf_index === null || row.removed_seq !== null)
        throw new FrameError('not_a_member', 'not a member of this group');
      if (!bytesEqual(pm.groupId, f.groupId))
        throw new FrameError('invalid_message', 'message is for another group');
      if (pm.contentType !== 'application')
        throw new FrameError('invalid_message', 'handshake messages must be PublicMessages');
      if (pm.epoch > BigInt(row.epoch))
        throw new FrameError('invalid_message', 'message from a future epoch');
      if (f.welcome !== null) throw new FrameError('invalid_message', 'a Welcome goes with a commit');
      return undefined;
    };
    const now = Date.now();
    const queued = store(
      session,
      f,
      plan,
      now,
      async (tx) => refusal(await checkQuery(tx, session, f).executeTakeFirst()),
      postgres
        ? {
            run: storeApplications,
            input: {
              session,
              f,
              plan,
              now,
              valid:
                bytesEqual(pm.groupId, f.groupId) && pm.contentType === 'application' && f.welcome === null,
              refusal,
            } satisfies ApplicationWrite,
          }
        : undefined,
    );
    pipeline.release();
    return answer(session, f, plan, queued);
  }

  hub.on(
    'send',
    async (session, frame, pipeline): Promise<ServerFrame> => {
      const f = frame as Frame<'send'>;
      let message: ReturnType<typeof decodeMessage> | undefined;
      let undecodable: unknown;
      try {
        message = decodeMessage(f.payload);
      } catch (e) {
        undecodable = e;
      }
      if (message?.wireformat === 'mls_private_message')
        return sendApplication(session, f, message.privateMessage, pipeline);
      // Anything else is handled alone, as other frames are: it starts once every earlier frame is
      // answered, and the frames after it wait until it is answered, so they see the epoch and
      // membership it leaves.
      await pipeline.drained();
      const group = await groupOf(db, f.groupId);
      const me = await memberOf(db, f.groupId, session);
      const isMember = me !== undefined && me.removed_seq === null;
      const stored = await storedAnswer(db, session, f);
      if (stored !== undefined) return stored;
      if (message === undefined) {
        // A non-member learns nothing about what the server would have made of its bytes.
        if (!isMember) throw new FrameError('not_a_member', 'not a member of this group');
        throw new FrameError(
          'invalid_message',
          undecodable instanceof DecodeError ? undecodable.message : 'not an MLS message',
        );
      }
      const external =
        message.wireformat === 'mls_public_message' &&
        message.publicMessage.content.sender.senderType === 'new_member_commit';
      if (!isMember && !external) throw new FrameError('not_a_member', 'not a member of this group');
      if (external && !(await activeMembers(db, f.groupId)).some((m) => m.username === session.accountId)) {
        throw new FrameError('not_a_member', 'only devices of member accounts may join by external commit');
      }
      let plan: Plan;
      if (message.wireformat === 'mls_public_message') {
        const pm = message.publicMessage;
        if (!bytesEqual(pm.content.groupId, f.groupId))
          throw new FrameError('invalid_message', 'message is for another group');
        if (pm.content.epoch !== BigInt(group.epoch)) {
          metrics.commitConflicts.inc();
          return { type: 'stale_epoch', requestId: f.requestId, epoch: group.epoch };
        }
        if (external) {
          if (f.welcome !== null) throw new FrameError('invalid_commit', 'a Welcome goes with adds');
          plan = await planExternalCommit(db, group, session, me, pm);
        } else {
          plan = await planHandshake(db, group, me!, pm, f.welcome);
        }
      } else {
        throw new FrameError('invalid_message', `a ${message.wireformat} is not sent to a group`);
      }

      return answer(session, f, plan, store(session, f, plan, Date.now()));
    },
    { pipelined: true },
  );

  hub.on('fetch', async (session, frame): Promise<ServerFrame> => {
    const f = frame as Frame<'fetch'>;
    await groupOf(db, f.groupId);
    const me = await memberOf(db, f.groupId, session);
    if (me === undefined) throw new FrameError('not_a_member', 'not a member of this group');
    let query = db
      .selectFrom('messages')
      .select(['seq', 'data'])
      .where('group_id', '=', f.groupId)
      .where('seq', '>', Math.max(f.afterSeq, me.joined_seq))
      .orderBy('seq')
      .limit(Math.min(f.limit, MAX_FETCH) + 1);
    if (me.removed_seq !== null) query = query.where('seq', '<=', me.removed_seq);
    // Application messages from epochs before this device joined are not for it (see `send`).
    const firstEpoch = await joinEpoch(db, f.groupId, me.joined_seq);
    if (firstEpoch !== undefined && firstEpoch > 0)
      query = query.where((eb) => eb.or([eb('kind', '!=', KIND.application), eb('epoch', '>=', firstEpoch)]));
    const rows = await query.execute();
    const more = rows.length > f.limit;
    return {
      type: 'messages',
      requestId: f.requestId,
      groupId: f.groupId,
      items: rows.slice(0, f.limit).map((r) => ({ seq: r.seq, payload: r.data })),
      more,
    };
  });

  hub.on('ack', async (session, frame): Promise<ServerFrame> => {
    const f = frame as Frame<'ack'>;
    const group = await groupOf(db, f.groupId);
    const me = await memberOf(db, f.groupId, session);
    if (me === undefined) throw new FrameError('not_a_member', 'not a member of this group');
    const head = Math.min(group.next_seq - 1, me.removed_seq ?? Number.MAX_SAFE_INTEGER);
    const seq = Math.min(f.seq, head);
    if (seq > me.acked_seq) {
      // Group-committed with the messages (one flush for many acks), in the group's writer.
      await write(
        (tx) =>
          tx
            .updateTable('group_members')
            .set({ acked_seq: seq })
            .where('group_id', '=', f.groupId)
            .where('username', '=', session.accountId)
            .where('device_id', '=', session.deviceId)
            .where('acked_seq', '<', seq)
            .execute(),
        toHex(f.groupId),
      );
    }
    return { type: 'ok', requestId: f.requestId };
  });

  hub.on('sync', async (session, frame): Promise<ServerFrame> => {
    const rows = await db
      .selectFrom('group_members')
      .innerJoin('groups', 'groups.group_id', 'group_members.group_id')
      .select([
        'groups.group_id',
        'groups.epoch',
        'groups.next_seq',
        'group_members.acked_seq',
        'group_members.removed_seq',
      ])
      .where('group_members.username', '=', session.accountId)
      .where('group_members.device_id', '=', session.deviceId)
      .execute();
    const welcomes = await db
      .selectFrom('welcomes')
      .select(['group_id', 'seq', 'data'])
      .where('username', '=', session.accountId)
      .where('device_id', '=', session.deviceId)
      .orderBy('seq')
      .execute();
    // A new device of the account: the groups its other devices are in, which it may join by
    // external commit. A device that was ever a member (and left or was removed) is not offered them.
    const joinable = await db
      .selectFrom('group_members')
      .select('group_id')
      .distinct()
      .where('username', '=', session.accountId)
      .where('removed_seq', 'is', null)
      .where((eb) =>
        eb(
          'group_id',
          'not in',
          eb
            .selectFrom('group_members')
            .select('group_id')
            .where('username', '=', session.accountId)
            .where('device_id', '=', session.deviceId),
        ),
      )
      .execute();
    return {
      type: 'sync_state',
      requestId: frame.requestId,
      groups: rows
        .map((r) => ({
          groupId: r.group_id,
          epoch: r.epoch,
          acked: r.acked_seq,
          head: Math.min(r.next_seq - 1, r.removed_seq ?? Number.MAX_SAFE_INTEGER),
        }))
        .filter((g) => g.head > g.acked || rows.find((r) => r.group_id === g.groupId)?.removed_seq === null),
      welcomes: welcomes.map((w) => ({ groupId: w.group_id, seq: w.seq, welcome: w.data })),
      joinable: joinable.map((j) => j.group_id),
    };
  });

  hub.on('group_info_put', async (session, frame): Promise<ServerFrame> => {
    const f = frame as Frame<'group_info_put'>;
    const group = await groupOf(db, f.groupId);
    const me = await memberOf(db, f.groupId, session);
    if (me === undefined || me.removed_seq !== null)
      throw new FrameError('not_a_member', 'not a member of this group');
    if (f.epoch !== group.epoch) return { type: 'stale_epoch', requestId: f.requestId, epoch: group.epoch };
    let gi: ReturnType<typeof decodeMessage>;
    try {
      gi = decodeMessage(f.groupInfo);
    } catch {
      throw new FrameError('invalid_message', 'not a GroupInfo');
    }
    if (
      gi.wireformat !== 'mls_group_info' ||
      !bytesEqual(gi.groupInfo.groupContext.groupId, f.groupId) ||
      gi.groupInfo.groupContext.epoch !== BigInt(f.epoch)
    ) {
      throw new FrameError('invalid_message', 'GroupInfo is not for this group and epoch');
    }
    await db
      .updateTable('groups')
      .set({ group_info: f.groupInfo, group_info_epoch: f.epoch })
      .where('group_id', '=', f.groupId)
      .where('epoch', '=', f.epoch)
      .execute();
    return { type: 'ok', requestId: f.requestId };
  });

  hub.on('group_info_get', async (session, frame): Promise<ServerFrame> => {
    const f = frame as Frame<'group_info_get'>;
    const group = await groupOf(db, f.groupId);
    const active = await activeMembers(db, f.groupId);
    if (!active.some((m) => m.username === session.accountId)) {
      throw new FrameError('not_a_member', 'only member accounts may read the GroupInfo');
    }
    if (group.group_info === null || group.group_info_epoch === null) {
      throw new FrameError('not_found', 'no GroupInfo uploaded yet');
    }
    return {
      type: 'group_info',
      requestId: f.requestId,
      groupId: f.groupId,
      epoch: group.group_info_epoch,
      groupInfo: group.group_info,
    };
  });

  hub.on('welcome_ack', async (session, frame): Promise<ServerFrame> => {
    const f = frame as Frame<'welcome_ack'>;
    await db
      .deleteFrom('welcomes')
      .where('group_id', '=', f.groupId)
      .where('username', '=', session.accountId)
      .where('device_id', '=', session.deviceId)
      .execute();
    return { type: 'ok', requestId: f.requestId };
  });
}

/**
 * Apply a commit's membership changes as MLS does (RFC 9420 §12.3): removes blank their leaves,
 * then each add takes the leftmost free leaf.
 */
async function applyMembership(
  tx: Transaction<Database>,
  groupId: Uint8Array,
  seq: number,
  before: Member[],
  plan: Plan,
  now: number,
): Promise<void> {
  const occupied = new Set(before.map((m) => m.leaf_index));
  for (const leaf of plan.removedLeaves) {
    const member = before.find((m) => m.leaf_index === leaf);
    if (member === undefined) throw new FrameError('invalid_commit', 'commit removes an empty leaf');
    await tx
      .updateTable('group_members')
      .set({ removed_seq: seq })
      .where('group_id', '=', groupId)
      .where('username', '=', member.username)
      .where('device_id', '=', member.device_id)
      .execute();
    occupied.delete(leaf);
  }
  for (const a of plan.added) {
    if (
      before.some(
        (m) =>
          m.username === a.username &&
          m.device_id === a.deviceId &&
          !plan.removedLeaves.includes(m.leaf_index),
      )
    ) {
      throw new FrameError('invalid_commit', 'device is already a member');
    }
    let leaf = 0;
    while (occupied.has(leaf)) leaf++;
    occupied.add(leaf);
    const row = { leaf_index: leaf, joined_seq: seq, removed_seq: null, acked_seq: seq };
    await tx
      .insertInto('group_members')
      .values({ group_id: groupId, username: a.username, device_id: a.deviceId, ...row })
      .onConflict((oc) => oc.columns(['group_id', 'username', 'device_id']).doUpdateSet(row))
      .execute();
    await tx
      .insertInto('welcomes')
      .values({
        group_id: groupId,
        username: a.username,
        device_id: a.deviceId,
        seq,
        data: plan.welcome!,
        created_at: now,
      })
      .onConflict((oc) =>
        oc
          .columns(['group_id', 'username', 'device_id'])
          .doUpdateSet({ seq, data: plan.welcome!, created_at: now }),
      )
      .execute();
  }
  if (plan.joiner !== null) {
    let leaf = 0;
    while (occupied.has(leaf)) leaf++;
    const row = { leaf_index: leaf, joined_seq: seq, removed_seq: null, acked_seq: seq };
    await tx
      .insertInto('group_members')
      .values({ group_id: groupId, username: plan.joiner.username, device_id: plan.joiner.deviceId, ...row })
      .onConflict((oc) => oc.columns(['group_id', 'username', 'device_id']).doUpdateSet(row))
      .execute();
  }
}
