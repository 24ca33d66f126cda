/** Hub.on is typed by frame type: a handler gets the decoded frame of the type it is registered for. */
import type { ClientFrame } from '@parley/core';
import { expectTypeOf, it } from 'vitest';
import type { FrameHandler, FrameOf, Hub } from '../src/hub.js';

it('a handler registered for a frame type receives that frame type', () => {
  expectTypeOf<Parameters<FrameHandler<'send'>>[1]>().toEqualTypeOf<Extract<ClientFrame, { type: 'send' }>>();
  expectTypeOf<FrameOf<'fetch'>['afterSeq']>().toEqualTypeOf<number>();
  const register = (hub: Hub) => {
    hub.on('ack', async (_session, frame) => ({ type: 'ok', requestId: frame.seq }));
    // @ts-expect-error a send frame has no afterSeq
    hub.on('send', async (_session, frame) => ({ type: 'ok', requestId: frame.afterSeq }));
    // @ts-expect-error auth is the Hub's own frame
    hub.on('auth', async (_session, frame) => ({ type: 'ok', requestId: frame.requestId }));
  };
  expectTypeOf(register).toBeFunction();
});
