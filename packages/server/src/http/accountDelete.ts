/**
 * `DELETE /v1/accounts/me`: an account deletes itself (accountDeletion.ts says what goes and what
 * stays). It needs a session opened by a login (OPAQUE: the password proven) within the last
 * FRESH_LOGIN_MS, so a session token left on a machine for weeks cannot delete the account on its
 * own; a transfer ticket or another account's session cannot either. Every device's connections
 * are cut at once, on every node.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { CLOSE } from '@parley/core';
import Type from 'typebox';
import { deleteAccountData } from '../accountDeletion.js';
import { blobStorage } from '../blobs/index.js';
import type { BlobStorage } from '../blobs/storage.js';
import type { ServerConfig } from '../config.js';
import type { Db } from '../db.js';
import { ApiError } from '../errors.js';
import type { Hub } from '../hub.js';
import { requireSession, sessionOpenedAt } from './session.js';

/** How recent the login behind the session must be. */
export const FRESH_LOGIN_MS = 10 * 60_000;

export type AccountDeleteDeps = { db: Db; config: ServerConfig; hub: Hub };

const deleteMe = {
  response: {
    200: Type.Object({
      username: Type.String(),
      devices: Type.Number(),
      keyPackages: Type.Number(),
      blobs: Type.Number(),
      reservedUntil: Type.Number(),
    }),
  },
};

export const accountDeleteRoutes: FastifyPluginAsyncTypebox<AccountDeleteDeps> = async (app, deps) => {
  const { db, config, hub } = deps;
  // Made at the first deletion: a file store creates its directory, which nothing needs before.
  let storage: BlobStorage | undefined;
  requireSession(app, db);
  app.delete('/v1/accounts/me', { schema: deleteMe }, async (request) => {
    if ((await sessionOpenedAt(db, request)) < Date.now() - FRESH_LOGIN_MS)
      throw new ApiError(
        403,
        'fresh_login_required',
        'sign in again with the password to delete the account',
      );
    storage ??= blobStorage(db, config);
    const done = await deleteAccountData(db, storage, request.account, config.deletedNameQuarantineDays);
    if (done === undefined) throw new ApiError(404, 'not_found', 'no such account');
    for (const device of done.devices)
      hub.closeDevice(done.username, device, CLOSE.revoked.code, CLOSE.revoked.reason);
    return {
      username: done.username,
      devices: done.devices.length,
      keyPackages: done.keyPackages,
      blobs: done.blobs,
      reservedUntil: done.reservedUntil,
    };
  });
};
