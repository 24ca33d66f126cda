/** transcript-hashes.json: confirmation tag, confirmed and interim transcript hashes of a commit. */
import { decodeAuthenticatedContent } from 'ts-mls/authenticatedContent.js';
import { createConfirmedHash, createInterimHash } from 'ts-mls/transcriptHash.js';
import { check, checkBytes, describeSuiteVectors, hex, tamper } from './vectors.js';

interface TranscriptHashesCase {
  cipher_suite: number;
  confirmation_key: string;
  authenticated_content: string;
  interim_transcript_hash_before: string;
  confirmed_transcript_hash_after: string;
  interim_transcript_hash_after: string;
}

describeSuiteVectors<TranscriptHashesCase>('transcript-hashes', async (v, { impl }) => {
  const decoded = decodeAuthenticatedContent(hex(v.authenticated_content), 0)?.[0];
  if (decoded === undefined) throw new Error('authenticated_content: could not decode');
  const { wireformat, content, auth } = decoded;
  if (content.contentType !== 'commit' || auth.contentType !== 'commit') {
    throw new Error(`authenticated_content holds ${content.contentType}, not a commit`);
  }
  const confirmedAfter = hex(v.confirmed_transcript_hash_after);

  // confirmation_tag is a valid MAC over confirmed_transcript_hash_after with confirmation_key.
  const key = hex(v.confirmation_key);
  check(
    await impl.hash.verifyMac(key, auth.confirmationTag, confirmedAfter),
    'confirmation_tag does not verify',
  );
  check(
    !(await impl.hash.verifyMac(key, tamper(auth.confirmationTag), confirmedAfter)),
    'a tampered confirmation_tag verifies',
  );

  // The transcript hashes follow from interim_transcript_hash_before and the commit.
  checkBytes(
    'confirmed_transcript_hash_after',
    await createConfirmedHash(
      hex(v.interim_transcript_hash_before),
      { wireformat, content, signature: auth.signature },
      impl.hash,
    ),
    confirmedAfter,
  );
  checkBytes(
    'interim_transcript_hash_after',
    await createInterimHash(confirmedAfter, auth.confirmationTag, impl.hash),
    v.interim_transcript_hash_after,
  );
});
