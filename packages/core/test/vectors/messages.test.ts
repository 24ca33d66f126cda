/** messages.json: every structure decodes and re-encodes to the same bytes (no cryptography). */
import { decodeMlsMessage, encodeMlsMessage } from 'ts-mls';
import type { Decoder } from 'ts-mls/codec/tlsDecoder.js';
import type { Encoder } from 'ts-mls/codec/tlsEncoder.js';
import { decodeCommit, encodeCommit } from 'ts-mls/commit.js';
import { decodeGroupSecrets, encodeGroupSecrets } from 'ts-mls/groupSecrets.js';
import {
  decodeAdd,
  decodeExternalInit,
  decodeGroupContextExtensions,
  decodePSK,
  decodeReinit,
  decodeRemove,
  decodeUpdate,
  encodeAdd,
  encodeExternalInit,
  encodeGroupContextExtensions,
  encodePSK,
  encodeReinit,
  encodeRemove,
  encodeUpdate,
} from 'ts-mls/proposal.js';
import { decodeRatchetTree, encodeRatchetTree } from 'ts-mls/ratchetTree.js';
import { checkBytes, checkEqual, describePlainVectors, hex } from './vectors.js';

interface MessagesCase {
  mls_welcome: string;
  mls_group_info: string;
  mls_key_package: string;
  ratchet_tree: string;
  group_secrets: string;
  add_proposal: string;
  update_proposal: string;
  remove_proposal: string;
  pre_shared_key_proposal: string;
  re_init_proposal: string;
  external_init_proposal: string;
  group_context_extensions_proposal: string;
  commit: string;
  public_message_application: string;
  public_message_proposal: string;
  public_message_commit: string;
  private_message: string;
}

function roundTrip<T>(field: string, value: string, decode: Decoder<T>, encode: Encoder<T>): T {
  const bytes = hex(value);
  const decoded = decode(bytes, 0);
  if (decoded === undefined) throw new Error(`${field}: could not decode`);
  checkEqual(`${field}: bytes consumed`, decoded[1], bytes.length);
  checkBytes(`${field}: re-encoding`, encode(decoded[0]), bytes);
  return decoded[0];
}

/** An MLSMessage field: round-trips and has the expected wire format (and content type). */
function mlsMessage(field: string, value: string, wireformat: string, contentType?: string): void {
  const m = roundTrip(field, value, decodeMlsMessage, encodeMlsMessage);
  checkEqual(`${field}: wire_format`, m.wireformat, wireformat);
  if (contentType !== undefined && m.wireformat === 'mls_public_message') {
    checkEqual(`${field}: content_type`, m.publicMessage.content.contentType, contentType);
  }
}

describePlainVectors<MessagesCase>('messages', (v) => {
  mlsMessage('mls_welcome', v.mls_welcome, 'mls_welcome');
  mlsMessage('mls_group_info', v.mls_group_info, 'mls_group_info');
  mlsMessage('mls_key_package', v.mls_key_package, 'mls_key_package');
  roundTrip('ratchet_tree', v.ratchet_tree, decodeRatchetTree, encodeRatchetTree);
  roundTrip('group_secrets', v.group_secrets, decodeGroupSecrets, encodeGroupSecrets);
  roundTrip('add_proposal', v.add_proposal, decodeAdd, encodeAdd);
  roundTrip('update_proposal', v.update_proposal, decodeUpdate, encodeUpdate);
  roundTrip('remove_proposal', v.remove_proposal, decodeRemove, encodeRemove);
  roundTrip('pre_shared_key_proposal', v.pre_shared_key_proposal, decodePSK, encodePSK);
  roundTrip('re_init_proposal', v.re_init_proposal, decodeReinit, encodeReinit);
  roundTrip('external_init_proposal', v.external_init_proposal, decodeExternalInit, encodeExternalInit);
  roundTrip(
    'group_context_extensions_proposal',
    v.group_context_extensions_proposal,
    decodeGroupContextExtensions,
    encodeGroupContextExtensions,
  );
  roundTrip('commit', v.commit, decodeCommit, encodeCommit);
  mlsMessage('public_message_application', v.public_message_application, 'mls_public_message', 'application');
  mlsMessage('public_message_proposal', v.public_message_proposal, 'mls_public_message', 'proposal');
  mlsMessage('public_message_commit', v.public_message_commit, 'mls_public_message', 'commit');
  mlsMessage('private_message', v.private_message, 'mls_private_message');
});
