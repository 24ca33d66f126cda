/** Load generators: closed-loop throughput and open-loop latency over a Flow, and the flows for Parley and the bare relay. */
import { encodeClientFrame, encodeServerFrame, randomBytes, toHex } from '@parley/core';
import { type BenchGroup, BenchSocket, FRAME, RUN_LIMIT_MS } from './harness.js';

/** What a load generator drives: per sender, how to send message i; per delivery, which message it was. */
export interface Flow {
  senders: BenchSocket[];
  /** All receiving sockets. */
  receivers: BenchSocket[];
  /** Bytes of message `i` of sender `s`. */
  frame(s: number, i: number): Uint8Array;
  /** Deliveries each message makes. */
  fanout(s: number): number;
  /** Identify a delivery on `receiver`: [sender index, message index], from its raw bytes. */
  identify(data: Buffer, receiver: BenchSocket): [number, number] | undefined;
}

/**
 * Closed loop: each sender keeps `window` messages unacknowledged and sends `count` in all; the clock
 * stops when every delivery has arrived. Returns deliveries per second.
 */
export async function closedLoop(flow: Flow, count: number, window: number): Promise<number> {
  const expected = flow.senders.reduce((n, _, s) => n + count * flow.fanout(s), 0);
  for (const r of flow.receivers) r.deliveries = 0;
  const delivered = () => flow.receivers.reduce((n, r) => n + r.deliveries, 0);
  const t0 = performance.now();
  let acked = 0;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('benchmark time limit reached')), RUN_LIMIT_MS);
    const poll = setInterval(() => {
      if (acked === count * flow.senders.length && delivered() >= expected) {
        clearInterval(poll);
        clearTimeout(timer);
        resolve();
      }
    }, 2);
    flow.senders.forEach((sender, s) => {
      let sent = 0;
      sender.onAck = () => {
        acked++;
        if (sent < count) sender.ws.send(flow.frame(s, sent++));
      };
      while (sent < Math.min(window, count)) sender.ws.send(flow.frame(s, sent++));
    });
  });
  const seconds = (performance.now() - t0) / 1000;
  for (const s of flow.senders) s.onAck = undefined;
  return expected / seconds;
}

export interface Latency {
  p50: number;
  p99: number;
  samples: number;
  /** Deliveries per second actually achieved over the run. */
  rate: number;
}

/**
 * Open loop: `count` messages per sender, spread evenly so the senders together send `perSecond`
 * messages a second; every delivery's latency (send → arrival at the receiving socket) is recorded.
 */
export async function openLoop(flow: Flow, count: number, perSecond: number): Promise<Latency> {
  const sentAt = flow.senders.map(() => new Float64Array(count));
  const samples: number[] = [];
  const expected = flow.senders.reduce((n, _, s) => n + count * flow.fanout(s), 0);
  for (const r of flow.receivers) {
    r.onDelivery = (data) => {
      const arrived = performance.now();
      const id = flow.identify(data, r);
      if (id !== undefined) samples.push(arrived - sentAt[id[0]]![id[1]]!);
    };
  }
  const total = count * flow.senders.length;
  const t0 = performance.now();
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('benchmark time limit reached')), RUN_LIMIT_MS);
    let sent = 0;
    const tick = setInterval(() => {
      const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * perSecond) + 1);
      for (; sent < due; sent++) {
        // Round-robin over the senders: message k goes to sender k mod n.
        const s = sent % flow.senders.length;
        const i = Math.floor(sent / flow.senders.length);
        sentAt[s]![i] = performance.now();
        flow.senders[s]!.ws.send(flow.frame(s, i));
      }
      if (samples.length >= expected) {
        clearInterval(tick);
        clearTimeout(timer);
        resolve();
      }
    }, 1);
  });
  const seconds = (performance.now() - t0) / 1000;
  for (const r of flow.receivers) r.onDelivery = undefined;
  samples.sort((a, b) => a - b);
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]!;
  return { p50: at(0.5), p99: at(0.99), samples: samples.length, rate: samples.length / seconds };
}

/**
 * A `deliver` push's group id (hex) and seq, read in place from the frame's fixed head
 * (type, request id u32, group id with a 1-byte length, seq u64; core's protocol/frames.ts).
 * The load generator identifies a delivery this cheaply on both sides, as the relay's receivers
 * read their 4-byte index: decoding the whole frame cost ~3.5 µs per delivery here, and with
 * 500 receivers in one process that added ~1.7 ms of the load generator's own time to the last
 * receiver's latency. `parleyFlow` checks it against core's encoder first (`checkPeek`).
 */
export function peekDeliver(data: Buffer): { group: string; seq: number } | undefined {
  if (data[0] !== FRAME.deliver || data.length < 6) return undefined;
  const end = 6 + data[5]!;
  if (data.length < end + 8) return undefined;
  return {
    group: data.toString('hex', 6, end),
    seq: data.readUInt32BE(end) * 2 ** 32 + data.readUInt32BE(end + 4),
  };
}

/** `peekDeliver` against core's encoder, on a frame of this run's group id and a seq over 2^32. */
function checkPeek(groupId: Uint8Array): void {
  const seq = 2 ** 33 + 5;
  const frame = encodeServerFrame({
    type: 'deliver',
    requestId: 0,
    groupId,
    seq,
    payload: new Uint8Array(3),
  });
  const peeked = peekDeliver(Buffer.from(frame));
  if (peeked?.group !== toHex(groupId) || peeked.seq !== seq)
    throw new Error('peekDeliver disagrees with the codec');
}

/** Parley flow over groups: one sender per group; deliveries identified by (group, seq). */
export async function parleyFlow(groups: readonly BenchGroup[], firstMessage: number): Promise<Flow> {
  checkPeek(groups[0]!.groupId);
  // The sequence number each group's next message gets: learnt from one probe message each.
  const base = new Map<string, { s: number; seq: number }>();
  for (const [s, g] of groups.entries()) {
    const r = await g.sender.request({
      type: 'send',
      requestId: 0,
      groupId: g.groupId,
      messageId: randomBytes(16),
      payload: g.ciphertexts[firstMessage - 1]!,
      welcome: null,
    });
    if (r.type !== 'sent') throw new Error('probe refused');
    base.set(toHex(g.groupId), { s, seq: r.seq + 1 });
  }
  // Drain the probe's deliveries before measuring.
  await new Promise((r) => setTimeout(r, 200));
  const frames = groups.map((g) =>
    g.ciphertexts.slice(firstMessage).map((payload) =>
      encodeClientFrame({
        type: 'send',
        requestId: 0,
        groupId: g.groupId,
        messageId: randomBytes(16),
        payload,
        welcome: null,
      }),
    ),
  );
  return {
    senders: groups.map((g) => g.sender),
    receivers: [...new Set(groups.flatMap((g) => g.receivers))],
    frame: (s, i) => frames[s]![i]!,
    fanout: (s) => groups[s]!.receivers.length,
    identify: (data) => {
      const d = peekDeliver(data);
      const b = d && base.get(d.group);
      return d && b && [b.s, d.seq - b.seq];
    },
  };
}

/** Relay flow: one room per group, the same sizes and ciphertexts; a 4-byte message index leads each. */
export async function relayFlow(
  port: number,
  groups: readonly BenchGroup[],
  firstMessage: number,
): Promise<{ flow: Flow; close(): Promise<void> }> {
  const senders: BenchSocket[] = [];
  const receivers: BenchSocket[] = [];
  const roomOf = new Map<BenchSocket, number>();
  for (const [s, g] of groups.entries()) {
    senders.push(await BenchSocket.relay(port, `room${s}`));
    for (let r = 0; r < g.receivers.length; r++) {
      const socket = await BenchSocket.relay(port, `room${s}`);
      roomOf.set(socket, s);
      receivers.push(socket);
    }
  }
  const frames = groups.map((g) =>
    g.ciphertexts.slice(firstMessage).map((payload, i) => {
      const out = new Uint8Array(4 + payload.length);
      new DataView(out.buffer).setUint32(0, i);
      out.set(payload, 4);
      return out;
    }),
  );
  return {
    flow: {
      senders,
      receivers,
      frame: (s, i) => frames[s]![i]!,
      fanout: (s) => groups[s]!.receivers.length,
      // The relay's deliveries carry no room: each receiving socket is in one.
      identify: (data, receiver) => [roomOf.get(receiver)!, data.readUInt32BE(0)],
    },
    close: async () => {
      await Promise.all([...senders, ...receivers].map((x) => x.close()));
    },
  };
}
