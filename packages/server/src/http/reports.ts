/**
 * Reports: a person forwards one message they received to the server's operator (`POST
 * /v1/reports`, a device's transfer ticket). The reporter chooses to reveal that message's text (or
 * a file's name, type and size — never its key) with who sent it, where and when, and a reason;
 * the operator reads reports with `parley-server reports list`. The server cannot check that the
 * message was really sent: a report is the reporter's word (SECURITY.md).
 */

import { randomBytes } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { canonicalUsername, MAX_TEXT_BYTES } from '@parley/core';
import Type from 'typebox';
import type { Db } from '../db.js';
import { ApiError } from '../errors.js';
import { ticketHolder } from '../transferTickets.js';

/** Reports one account may file in a day (a flood of reports is noise for the operator). */
export const REPORTS_PER_DAY = 20;
const Hex = (n: number) => Type.String({ pattern: `^[0-9a-f]{1,${n}}$`, maxLength: n });

const fileReport = {
  body: Type.Object(
    {
      account: Type.String({ minLength: 1, maxLength: 128 }),
      groupId: Hex(64),
      messageId: Hex(32),
      sentAt: Type.Integer({ minimum: 0 }),
      text: Type.String({ maxLength: MAX_TEXT_BYTES }),
      file: Type.Optional(
        Type.Object(
          {
            name: Type.String({ maxLength: 255 }),
            mimeType: Type.String({ maxLength: 127 }),
            size: Type.Integer({ minimum: 0 }),
          },
          { additionalProperties: false },
        ),
      ),
      reason: Type.String({ minLength: 1, maxLength: 1000 }),
    },
    { additionalProperties: false },
  ),
  response: { 201: Type.Object({ id: Type.String() }) },
};

export const reportRoutes: FastifyPluginAsyncTypebox<{ db: Db }> = async (app, { db }) => {
  app.post('/v1/reports', { schema: fileReport, bodyLimit: 64 * 1024 }, async (request, reply) => {
    const holder = await ticketHolder(db, request);
    const body = request.body;
    let reported: string;
    try {
      reported = canonicalUsername(body.account);
    } catch {
      throw new ApiError(400, 'invalid_username', 'the reported account is not a username');
    }
    const now = Date.now();
    const { n } = await db
      .selectFrom('reports')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('reporter', '=', holder.accountId)
      .where('created_at', '>', now - 24 * 3600_000)
      .executeTakeFirstOrThrow();
    if (Number(n) >= REPORTS_PER_DAY)
      throw new ApiError(429, 'rate_limited', `at most ${REPORTS_PER_DAY} reports a day; try again tomorrow`);
    const id = randomBytes(8).toString('hex');
    await db
      .insertInto('reports')
      .values({
        id,
        reporter: holder.accountId,
        reported,
        group_id: body.groupId,
        message_id: body.messageId,
        sent_at: body.sentAt,
        content: JSON.stringify({ text: body.text, ...(body.file !== undefined ? { file: body.file } : {}) }),
        reason: body.reason,
        created_at: now,
        resolved_at: null,
      })
      .execute();
    reply.code(201);
    return { id };
  });
};
