/**
 * The message write path: a message's write is queued in the group-committing writer
 * (writeBatch.ts), stored with what it changes (recipients, proposals, membership), and once
 * durable pushed to its recipients and answered.
 */
import { type PrivateHeader, type ServerFrame, toHex } from '@parley/core';
import { type Attachments, attachmentsOf } from '../blobs/attach.js';
import type { Db } from '../db.js';
import type { DeviceSession, Hub } from '../hub.js';
import type { Metrics } from '../metrics.js';
import { type Bulk, writerFor } from '../writeBatch.js';
import { type BulkInput, dialectOf, type Outcome } from './dialect.js';
import { pushMessage, pushWelcome } from './fanout.js';
import {
  type Append,
  appendOne,
  applicationCheck,
  applyMembership,
  type Claimed,
  dropProposalsBefore,
  joinEpoch,
  type Queryable,
  saveProposal,
  storedMessage,
  type Tx,
} from './log.js';
import { type MemberCache, memberCache } from './memberCache.js';
import { membershipChange } from './membership.js';
import {
  type ApplicationCheck,
  answerAgain,
  applicationPlan,
  applicationRefusal,
  applicationValid,
  KIND,
  type Member,
  type Plan,
  type Sender,
  type SendFrame,
} from './policy.js';
import { saveState } from './publicState.js';
import { putGroupInfo, raiseCursor } from './queries.js';

export type { Outcome } from './dialect.js';

export interface MessageStore {
  /** Raise a device's delivery cursor in a group to `seq`, group-committed with the messages. */
  ack(device: Sender, groupId: Uint8Array, seq: number): Promise<void>;
  /** Store a proposal or commit (its plan worked out), push it and answer its sender. */
  sendHandshake(session: DeviceSession, f: SendFrame, plan: Plan): Promise<ServerFrame>;
  /**
   * Queue an application message's write, its checks inside it, and call `queued` once it is
   * queued; resolves to the answer once it is durable. The blobs its blobIds name are checked in
   * that write and attached to it (blobs/attach.ts).
   */
  sendApplication(
    session: DeviceSession,
    f: SendFrame,
    pm: PrivateHeader,
    queued: () => void,
  ): Promise<ServerFrame>;
}

const othersThan = (members: Member[], sender: Sender) =>
  members.filter((r) => !(r.username === sender.accountId && r.device_id === sender.deviceId));

/**
 * Who gets an application message appended in the group at `epoch`: its members but the sender;
 * one encrypted in an earlier epoch (the sender had not yet seen the latest commits) not to devices
 * added since, which cannot read it (fetch skips it too).
 */
async function recipientsOf(
  members: MemberCache,
  db: Queryable,
  m: Append,
  epoch: number,
): Promise<Member[]> {
  const recipients = othersThan(await members.at(db, m.groupId, epoch), m.sender);
  if (m.plan.epoch >= epoch) return recipients;
  const joined = await Promise.all(recipients.map((r) => joinEpoch(db, m.groupId, r.joined_seq)));
  return recipients.filter((_, i) => (joined[i] ?? 0) <= m.plan.epoch);
}

/** After a message is appended at `seq` (the group now at `newEpoch`): who gets it, what it changes. */
async function afterAppend(
  members: MemberCache,
  tx: Tx,
  m: Append,
  seq: number,
  newEpoch: number,
): Promise<Outcome> {
  const { plan } = m;
  if (plan.kind === KIND.application) {
    return { seq, epoch: newEpoch, recipients: await recipientsOf(members, tx, m, newEpoch) };
  }
  const oldEpoch = plan.kind === KIND.commit ? newEpoch - 1 : newEpoch;
  const before = await members.at(tx, m.groupId, oldEpoch);
  const recipients = othersThan(before, m.sender);
  if (plan.proposalRef !== null) await saveProposal(tx, m.groupId, plan.epoch, plan.proposalRef, m.payload);
  if (plan.kind === KIND.commit) {
    await applyMembership(tx, m.groupId, seq, membershipChange(before, plan), plan.welcome, m.now);
    await dropProposalsBefore(tx, m.groupId, newEpoch);
    if (plan.next !== undefined) await saveState(tx, m.groupId, plan.next);
    if (plan.groupInfo !== undefined) await putGroupInfo(tx, m.groupId, newEpoch, plan.groupInfo);
  }
  return { seq, epoch: newEpoch, recipients };
}

interface AnswerDeps {
  db: Db;
  hub: Hub;
  metrics: Metrics;
}

/**
 * Wait for a queued write to be durable, then push the message and answer its sender. Not an async
 * function: nearly every message takes the first branch, and a frame suspended beside each of the
 * thousand messages in flight is what the young generation's collections copy.
 */
function answer(
  deps: AnswerDeps,
  sender: Sender,
  f: SendFrame,
  plan: Plan,
  stored: Promise<Outcome>,
): Promise<ServerFrame> {
  return stored.then(
    (outcome) => answerStored(deps, f, plan, outcome),
    (e) => answerConflict(deps.db, sender, f, e),
  );
}

/**
 * The write failed. The same message id sent at the same moment through two connections (or nodes):
 * the unique constraint let one in; the other gets its answer. Anything else is the write's error.
 */
async function answerConflict(db: Db, sender: Sender, f: SendFrame, e: unknown): Promise<ServerFrame> {
  const existing = await storedMessage(db, f.groupId, f.messageId);
  if (existing !== undefined) return answerAgain(existing, sender, f);
  throw e;
}

/** What a durable write comes to: the sender's answer, and the pushes to the recipients. */
function answerStored({ hub, metrics }: AnswerDeps, f: SendFrame, plan: Plan, outcome: Outcome): ServerFrame {
  if ('answer' in outcome) return outcome.answer;
  if ('stale' in outcome) {
    metrics.commitConflicts.inc();
    return { type: 'stale_epoch', requestId: f.requestId, epoch: outcome.stale };
  }
  metrics.messagesIn.inc();
  const message = { groupId: f.groupId, seq: outcome.seq, payload: f.payload };
  pushMessage(hub, metrics, message, outcome.recipients);
  if (plan.welcome !== null) pushWelcome(hub, message, plan.welcome, plan.added);
  return { type: 'sent', requestId: f.requestId, seq: outcome.seq, epoch: outcome.epoch };
}

function appendOf(sender: Sender, f: SendFrame, plan: Plan): Append {
  return {
    groupId: f.groupId,
    messageId: f.messageId,
    sender: { accountId: sender.accountId, deviceId: sender.deviceId },
    plan,
    payload: f.payload,
    now: Date.now(),
    expiresAt: f.expiresAt ?? null,
  };
}

export function messageStore(db: Db, hub: Hub, metrics: Metrics): MessageStore {
  const members = memberCache();
  const write = writerFor(db, () => members.clear());
  const after = (tx: Tx, m: Append, seq: number, epoch: number) => afterAppend(members, tx, m, seq, epoch);
  const dialect = dialectOf(db, async (q, m, seq, epoch) => ({
    seq,
    epoch,
    recipients: await recipientsOf(members, q, m, epoch),
  }));

  /**
   * Queue a message's write. `check` runs first in the same transaction and may refuse the message
   * (throw) or answer it without storing (a retry). `bulk`: how it is stored with others of its kind.
   * `blobs`: attachments checked before it is stored and attached to it after.
   */
  function store(
    m: Append,
    check?: (tx: Tx) => Promise<ServerFrame | undefined>,
    bulk?: Bulk<Outcome>,
    blobs?: Attachments,
  ) {
    const work = async (tx: Tx): Promise<Outcome> => {
      const earlier = check === undefined ? undefined : await check(tx);
      if (earlier !== undefined) return { answer: earlier };
      if (blobs !== undefined) await blobs.verify(tx);
      const claimed: Claimed = await appendOne(tx, m);
      if (claimed.seq === undefined) return { stale: claimed.epoch };
      const outcome = await after(tx, m, claimed.seq, claimed.epoch);
      if (blobs !== undefined) await blobs.attach(tx, claimed.seq);
      return outcome;
    };
    return write(work, toHex(m.groupId), bulk);
  }

  const deps: AnswerDeps = { db, hub, metrics };
  return {
    ack(device, groupId, seq) {
      const work = (tx: Tx) => raiseCursor(tx, groupId, device, seq);
      return write(work, toHex(groupId), dialect.ack({ groupId, sender: device, seq }));
    },
    sendHandshake(session, f, plan) {
      attachmentsOf(session, f, false); // refuses blobIds: only application messages carry them
      return answer(deps, session, f, plan, store(appendOf(session, f, plan)));
    },
    sendApplication(session, f, pm, queued) {
      const blobs = attachmentsOf(session, f, true);
      const plan = applicationPlan(Number(pm.epoch));
      const m = appendOf(session, f, plan);
      const refusal = (row: ApplicationCheck | undefined) => applicationRefusal(row, session, f, pm);
      const check = async (tx: Tx) => refusal(await applicationCheck(tx, session, f.groupId, f.messageId));
      const input: BulkInput = { ...m, valid: applicationValid(pm, f), refusal };
      // A message with attachments is written on its own (the bulk append knows nothing of them).
      const bulk = blobs !== undefined ? undefined : dialect.application(input);
      const stored = store(m, check, bulk, blobs);
      queued();
      return answer(deps, session, f, plan, stored);
    },
  };
}
