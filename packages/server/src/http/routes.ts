/** The HTTP API (docs/protocol.md): one plugin per concern, each with typed schemas for what it takes and answers. */
import type { FastifyInstance } from 'fastify';
import { attachmentService } from '../blobs/index.js';
import { accountDeleteRoutes } from './accountDelete.js';
import { type AccountsDeps, accountRoutes } from './accounts.js';
import { deviceLinkRoutes } from './deviceLinks.js';
import { type DevicesDeps, deviceRoutes } from './devices.js';
import { answerErrors } from './errorReplies.js';
import { healthRoutes } from './health.js';
import { identityResetRoutes } from './identityReset.js';
import { openApi } from './openapi.js';
import { reportRoutes } from './reports.js';
import { requestLog } from './requestLog.js';
import { responseHeaders } from './responseHeaders.js';
import { type SessionsDeps, sessionRoutes } from './sessions.js';

export type HttpDeps = AccountsDeps & SessionsDeps & DevicesDeps;

export async function httpRoutes(app: FastifyInstance, deps: HttpDeps): Promise<void> {
  answerErrors(app);
  await openApi(app);
  responseHeaders(app, deps.config);
  requestLog(app, deps.config.logClientIp);
  await app.register(healthRoutes, deps);
  await app.register(accountRoutes, deps);
  await app.register(sessionRoutes, deps);
  await app.register(deviceRoutes, deps);
  await app.register(deviceLinkRoutes, deps);
  await app.register(reportRoutes, deps);
  await app.register(accountDeleteRoutes, deps);
  await app.register(identityResetRoutes, deps);
  await attachmentService(app, deps);
}
