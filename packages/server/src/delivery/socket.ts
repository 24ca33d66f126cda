/**
 * A device connection's socket: its frames run in arrival order with bounded pipelining, and the
 * frames written to it in one tick leave in one write.
 */
import type { Duplex } from 'node:stream';
import type { ServerFrame } from '@parley/core';
import type { WebSocket } from 'ws';
import type { Pipeline } from '../hub.js';

/**
 * Send frames on `socket`, those sent in one tick leaving in one write: a group commit resolves
 * many messages at once, so one connection often gets several pushes and answers in a row, and
 * one system call (and TCP segment) instead of one each spares both ends. `ws` has no public cork;
 * its underlying socket's cork and uncork nest with the ones `ws` does per frame.
 */
export function corkedWriter(socket: WebSocket): (bytes: Uint8Array) => void {
  // ws is pinned exactly (8.23.0) for this private field; without it frames just go one by one.
  const found = (socket as unknown as { _socket?: Duplex })._socket;
  const raw = typeof found?.cork === 'function' && typeof found.uncork === 'function' ? found : undefined;
  let corked = false;
  return (bytes) => {
    if (socket.readyState !== socket.OPEN) return;
    if (!corked && raw !== undefined) {
      corked = true;
      raw.cork();
      process.nextTick(() => {
        corked = false;
        raw.uncork();
      });
    }
    socket.send(bytes);
  };
}

/**
 * Run a connection's frames: each starts once the one before it has started and released
 * (pipelined handlers) or finished, at most `inFlight` unanswered at a time, and answers go out in
 * arrival order. Past `inFlight` unanswered frames the socket stops being read, so a client cannot
 * queue unbounded work.
 */
export function inArrivalOrder(
  socket: WebSocket,
  inFlightLimit: number,
  handle: (
    data: Buffer,
    isBinary: boolean,
    pipeline: Pipeline,
  ) => Promise<ServerFrame | undefined> | ServerFrame | undefined,
  send: (frame: ServerFrame) => void,
  onError: (e: unknown) => void,
): void {
  let started: Promise<void> = Promise.resolve();
  let answered: Promise<void> = Promise.resolve();
  const inFlight: Array<Promise<void>> = [];
  let unanswered = 0;
  socket.on('message', (data, isBinary) => {
    if (++unanswered >= inFlightLimit) socket.pause();
    const previousStarted = started;
    const earlier = answered;
    let release!: () => void;
    started = new Promise((resolve) => {
      release = resolve;
    });
    const slot = inFlight.length >= inFlightLimit ? inFlight.shift() : undefined;
    const answer = (async () => {
      await previousStarted;
      if (slot !== undefined) await slot;
      let reply: ServerFrame | undefined;
      try {
        reply = await handle(data as Buffer, isBinary, { release, drained: () => earlier });
      } catch (e) {
        onError(e);
      }
      release();
      await earlier;
      if (reply !== undefined) send(reply);
      if (--unanswered < inFlightLimit && socket.isPaused) socket.resume();
    })();
    answered = answer;
    inFlight.push(answer);
  });
}
