/**
 * How a frame handler's failure reaches the client (hub.ts, `serve`): a FrameError is answered with
 * its code and message, anything else with `internal` and no detail, logged by its type only; a
 * handler that throws at once is answered as one whose promise rejects; pipelined or not; and the
 * connection goes on serving its next frames.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { FrameError, type FrameHandler } from '../src/hubTypes.js';
import { buildServer, DEFAULT_CONFIG, type ParleyServer } from '../src/index.js';
import { device } from './pair.js';

// Built from the sources, as the FrameError below is: an error class of the built package would be
// another class (and answered `internal`).
let server: ParleyServer | undefined;
let dataDir: string | undefined;
afterEach(async () => {
  await server?.close();
  if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
  server = undefined;
  dataDir = undefined;
});

const SECRET = 'the handler saw hunter2';

test.each([
  ['throws at once', false],
  ['throws at once, pipelined', true],
  ['rejects', false],
  ['rejects, pipelined', true],
] as const)(
  'a handler that %s is answered `internal` or its FrameError, and the connection goes on',
  async (how, pipelined) => {
    const lines: string[] = [];
    dataDir = mkdtempSync(join(tmpdir(), 'parley-test-'));
    server = await buildServer(
      { ...DEFAULT_CONFIG, dataDir, logLevel: 'error' },
      { logStream: { write: (l) => lines.push(l) } },
    );
    const url = await server.app.listen({ host: '127.0.0.1', port: 0 });
    const alice = await device(url, 'alice');
    const atOnce = how.startsWith('throws');
    let next: Error = new Error(SECRET);
    const handler: FrameHandler<'kp_count'> = (_session, frame) => {
      if (frame.cipherSuite === 'fine')
        return Promise.resolve({
          type: 'kp_remaining',
          requestId: frame.requestId,
          oneTime: 7,
          lastResort: false,
        });
      if (atOnce) throw next;
      return Promise.reject(next);
    };
    server.hub.on('kp_count', handler, { pipelined });

    expect(await alice.ws.request({ type: 'kp_count' })).toMatchObject({
      type: 'error',
      code: 'internal',
      message: 'internal error',
    });
    next = new FrameError('usage', 'not like that');
    expect(await alice.ws.request({ type: 'kp_count' })).toMatchObject({
      type: 'error',
      code: 'usage',
      message: 'not like that',
    });
    expect(await alice.ws.request({ type: 'kp_count', cipherSuite: 'fine' })).toMatchObject({
      type: 'kp_remaining',
      oneTime: 7,
    });
    const failures = lines.filter((l) => l.includes('frame handler failed'));
    expect(failures).toHaveLength(1);
    expect(failures[0]).toContain('"type":"Error"');
    expect(lines.join('\n')).not.toContain('hunter2');
  },
);
