/**
 * A hostile member's commit that the server's public checks accept (signed by the member's own
 * leaf key) but that no member can apply, as core's test-only helper makes it; and commitAuthor,
 * which names its sender without processing it.
 */
import { decodeMlsMessage, encodeMlsMessage } from 'ts-mls';
import { verifyFramedContentSignature } from 'ts-mls/framedContent.js';
import { describe, expect, test } from 'vitest';
import {
  type CommitCorruption,
  commitAuthor,
  memberAt,
  processIncoming,
  selfUpdate,
  unsafeTestingCorruptCommit,
} from '../src/index.js';
import { pair } from './helpers.js';

const HOW: CommitCorruption[] = ['membership_tag', 'confirmation_tag', 'path_secrets'];

describe('unsafeTestingCorruptCommit', () => {
  test.each(HOW)(
    '%s: still signed by its sender, named by commitAuthor, refused by the other member',
    async (how) => {
      const { a, b } = await pair();
      const { commit: bad, newState } = await unsafeTestingCorruptCommit(b.device, b.state!, how);

      const pm = decodeMlsMessage(bad, 0)![0];
      if (pm.wireformat !== 'mls_public_message') throw new Error('not a PublicMessage');
      const bobLeaf = memberAt(a.state!, 1)!;
      const signed = await verifyFramedContentSignature(
        bobLeaf.deviceKey,
        'mls_public_message',
        pm.publicMessage.content,
        pm.publicMessage.auth,
        a.state!.groupContext,
        b.device.cs.signature,
      );
      expect(signed).toBe(true);
      expect((await commitAuthor(a.device, a.state!, bad))?.author).toMatchObject({
        accountId: 'bob',
        leafIndex: 1,
      });

      await expect(processIncoming(a.device, a.state!, bad)).rejects.toThrow();
      expect(newState.groupContext.epoch).toBe(a.state!.groupContext.epoch + 1n); // the sender moved on
      // An honest self-update of the same state is applied: only the corruption makes it fail.
      const honest = await selfUpdate(b.device, b.state!);
      expect((await processIncoming(a.device, a.state!, honest.commit)).kind).toBe('commit');
    },
  );

  test('commitAuthor is undefined for what is not a commit of this epoch', async () => {
    const { a, b } = await pair();
    const built = await selfUpdate(b.device, b.state!);
    const applied = await processIncoming(a.device, a.state!, built.commit);
    expect(await commitAuthor(a.device, applied.newState, built.commit)).toBeUndefined(); // an earlier epoch's
    expect(await commitAuthor(a.device, a.state!, new Uint8Array([1, 2, 3]))).toBeUndefined();
  });

  test('a commit whose signature does not verify names nobody: whoever relays it cannot frame a member', async () => {
    const { a, b } = await pair();
    const honest = await selfUpdate(b.device, b.state!);
    const m = decodeMlsMessage(honest.commit, 0)![0];
    if (m.wireformat !== 'mls_public_message') throw new Error('not a PublicMessage');
    const signature = m.publicMessage.auth.signature.slice();
    signature[0]! ^= 1;
    const forged = encodeMlsMessage({
      ...m,
      publicMessage: { ...m.publicMessage, auth: { ...m.publicMessage.auth, signature } },
    });
    expect(await commitAuthor(a.device, a.state!, forged)).toEqual({ author: null });
    await expect(processIncoming(a.device, a.state!, forged)).rejects.toThrow();
  });

  test('refuses to run outside a test run', async () => {
    const { b } = await pair();
    const saved = { VITEST: process.env.VITEST, NODE_ENV: process.env.NODE_ENV };
    delete process.env.VITEST;
    process.env.NODE_ENV = 'production';
    try {
      await expect(unsafeTestingCorruptCommit(b.device, b.state!, 'membership_tag')).rejects.toMatchObject({
        code: 'usage',
      });
    } finally {
      process.env.VITEST = saved.VITEST;
      if (saved.NODE_ENV === undefined) delete process.env.NODE_ENV;
      else process.env.NODE_ENV = saved.NODE_ENV;
    }
  });
});
