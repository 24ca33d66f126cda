/** @parley/testing — helpers for Parley's own tests (private: no shipped package depends on it). */

export { type HttpsAnswer, httpsRequest } from './httpsRequest.js';
export { impostorDevice, replaceIdentity, rewriteLogEntry, slipInImpostorDevice } from './impostor.js';
export { inflatePrivateMessage, inflateWelcome } from './inflate.js';
export { type LoopbackServer, startLoopbackServer } from './loopback.js';
export { seededRandom } from './random.js';
export {
  DEPLOY_DIR,
  fillTemplate,
  PROXY_KINDS,
  type ProxyKind,
  type ReverseProxy,
  reverseProxyProgram,
  startReverseProxy,
} from './reverseProxy.js';
export { announcedUrl, type ServerProcess, startServerProcess } from './serverProcess.js';
export { type SelfSigned, selfSignedCertificate } from './tls.js';
export { graceForStrayFrames, STRAY_FRAME_MS, until } from './waiting.js';
