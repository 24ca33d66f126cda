/** Closing a device's WebSocket on purpose, without reading what it keeps sending. */
import { CLOSE, type CloseKind } from '@parley/core';
import type { WebSocket } from 'ws';

/** A connection closed on purpose that has not answered the close within this time is cut off. */
const CLOSE_GRACE_MS = 1000;
/** Messages, and bytes, read from a connection after it was closed on purpose before it is cut off. */
const AFTER_CLOSE = { messages: 1000, bytes: 64 * 1024 };

/**
 * Close a connection on purpose, with the protocol's code and reason for why. Its frames are no
 * longer handled: what the client sent before it saw the close is read and dropped (its answer to
 * the close comes after it), and a client that keeps streaming instead of answering (a flood) is
 * cut off after AFTER_CLOSE more messages or bytes, any that has not answered within
 * CLOSE_GRACE_MS too; otherwise the server would read it until ws's 30 s close timeout.
 */
export function closeWith(socket: WebSocket, why: CloseKind): void {
  if (socket.readyState !== socket.OPEN) return;
  socket.close(CLOSE[why].code, CLOSE[why].reason);
  socket.removeAllListeners('message');
  const after = { messages: 0, bytes: 0 };
  socket.on('message', (data: Buffer) => {
    after.bytes += data.length;
    if (++after.messages > AFTER_CLOSE.messages || after.bytes > AFTER_CLOSE.bytes) socket.terminate();
  });
  setTimeout(() => socket.terminate(), CLOSE_GRACE_MS).unref();
}
