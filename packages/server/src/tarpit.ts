/**
 * Holding the connections of a refused address (issue #15 item 3). Without a trusted proxy the TCP
 * peer is the client, so an address refused at the upgrade (its sockets keep failing to
 * authenticate) can be dealt with as its connections are accepted, before any HTTP is parsed. The
 * server cannot refuse a connection before accepting it, and one destroyed at once is retried at
 * once: a client reconnecting in a loop then costs an accept and a socket thousands of times a
 * second. So each such connection is held instead, unread, until `holdMs` has passed (a tarpit),
 * up to `perAddress` of them at a time; past that they are destroyed as they come.
 */
import type { Server, Socket } from 'node:net';

export interface TarpitOptions {
  /** How long a refused connection is held before it is closed (ms). */
  holdMs: number;
  /** Refused connections held at once per address; more are destroyed at once. */
  perAddress: number;
}

export function tarpitRefused(
  server: Server,
  refused: (address: string) => boolean,
  options: TarpitOptions,
): { close(): void } {
  const held = new Map<string, number>();
  const sockets = new Set<Socket>();
  // The HTTP server reads a new connection's bytes from its handle, whatever the stream's flow:
  // a refused connection must never reach its listeners, so they are called from here.
  const listeners = server.listeners('connection') as Array<(socket: Socket) => void>;
  server.removeAllListeners('connection');
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? '';
    if (!refused(address)) {
      for (const listener of listeners) listener.call(server, socket);
      return;
    }
    const n = held.get(address) ?? 0;
    if (n >= options.perAddress) {
      socket.destroy();
      return;
    }
    held.set(address, n + 1);
    sockets.add(socket);
    // Nothing is read: no HTTP server sees it, and the peer's sends fill its own buffers.
    socket.pause();
    socket.on('error', () => socket.destroy());
    const timer = setTimeout(() => socket.destroy(), options.holdMs);
    timer.unref();
    socket.once('close', () => {
      clearTimeout(timer);
      sockets.delete(socket);
      const left = (held.get(address) ?? 1) - 1;
      if (left === 0) held.delete(address);
      else held.set(address, left);
    });
  });
  // The server closes once every connection it accepted has ended: those held end now.
  return {
    close: () => {
      for (const socket of sockets) socket.destroy();
    },
  };
}
