/**
 * Parley's WebSocket frames (docs/protocol.md). Binary, in the same canonical encoding as the rest
 * of Parley (encoding.ts): MLS payloads are binary already, so frames carry them as they are instead
 * of inflating them by a third in base64 and parsing JSON for every delivery. The decoder is the
 * schema: every field has a type and a maximum length, and anything else is a DecodeError.
 *
 *   frame = type u8 | requestId u32 | body
 *
 * The client picks requestIds; the server's answer to a request carries the same id (`ok` or
 * `error`); pushes the client did not ask for carry id 0.
 */
import { concatBytes, decodeWith, type Reader, utf8, Writer } from './encoding.js';
import { DecodeError } from './errors.js';
import { MAX_KEY_PACKAGE_BYTES } from './keyPackages.js';

export const MAX_FRAME_BYTES = 1024 * 1024;
export const CHALLENGE_BYTES = 32;
export const MAX_KEY_PACKAGES_PER_UPLOAD = 100;
const MAX_ACCOUNT = 128;
const MAX_DEVICE = 64;

/** What a device signs to authenticate a connection: label, then the server's fresh challenge. */
export function wsAuthMessage(challenge: Uint8Array): Uint8Array {
  return concatBytes(utf8('parley/v1/ws-auth\0'), challenge);
}

export interface ClaimedKeyPackage {
  deviceId: string;
  keyPackage: Uint8Array;
  lastResort: boolean;
}

export type ClientFrame =
  | { type: 'auth'; requestId: number; accountId: string; deviceId: string; signature: Uint8Array }
  | { type: 'kp_upload'; requestId: number; keyPackages: Uint8Array[]; lastResort: Uint8Array | null }
  | { type: 'kp_claim'; requestId: number; accountId: string; cipherSuite: string }
  | { type: 'kp_count'; requestId: number };

export type ServerFrame =
  | { type: 'challenge'; requestId: 0; challenge: Uint8Array; serverTime: number }
  | { type: 'ok'; requestId: number }
  | { type: 'error'; requestId: number; code: string; message: string }
  | { type: 'kp_bundle'; requestId: number; accountId: string; keyPackages: ClaimedKeyPackage[] }
  | { type: 'kp_remaining'; requestId: number; oneTime: number; lastResort: boolean };

const CLIENT_TYPES = { auth: 1, kp_upload: 2, kp_claim: 3, kp_count: 4 } as const;
const SERVER_TYPES = { challenge: 128, ok: 129, error: 130, kp_bundle: 131, kp_remaining: 132 } as const;

function header(type: number, requestId: number): Writer {
  return new Writer().u8(type).u32(requestId);
}

export function encodeClientFrame(f: ClientFrame): Uint8Array {
  const w = header(CLIENT_TYPES[f.type], f.requestId);
  switch (f.type) {
    case 'auth':
      w.string(f.accountId, MAX_ACCOUNT).string(f.deviceId, MAX_DEVICE).fixed(f.signature, 64);
      break;
    case 'kp_upload':
      if (f.keyPackages.length > MAX_KEY_PACKAGES_PER_UPLOAD) throw new RangeError('too many key packages');
      w.u16(f.keyPackages.length);
      for (const kp of f.keyPackages) w.bytes(kp, MAX_KEY_PACKAGE_BYTES);
      w.u8(f.lastResort === null ? 0 : 1);
      if (f.lastResort !== null) w.bytes(f.lastResort, MAX_KEY_PACKAGE_BYTES);
      break;
    case 'kp_claim':
      w.string(f.accountId, MAX_ACCOUNT).string(f.cipherSuite, 64);
      break;
    case 'kp_count':
      break;
  }
  return w.finish();
}

export function decodeClientFrame(bytes: Uint8Array): ClientFrame {
  return decodeWith(bytes, MAX_FRAME_BYTES, 'frame', (r: Reader): ClientFrame => {
    const type = r.u8();
    const requestId = r.u32();
    switch (type) {
      case CLIENT_TYPES.auth:
        return {
          type: 'auth',
          requestId,
          accountId: r.string(MAX_ACCOUNT),
          deviceId: r.string(MAX_DEVICE),
          signature: r.fixed(64),
        };
      case CLIENT_TYPES.kp_upload: {
        const count = r.u16();
        if (count > MAX_KEY_PACKAGES_PER_UPLOAD) throw new DecodeError('too many key packages', 'too_large');
        const keyPackages: Uint8Array[] = [];
        for (let i = 0; i < count; i++) keyPackages.push(r.bytes(MAX_KEY_PACKAGE_BYTES));
        const hasLastResort = r.u8();
        if (hasLastResort > 1) throw new DecodeError('bad flag');
        return {
          type: 'kp_upload',
          requestId,
          keyPackages,
          lastResort: hasLastResort ? r.bytes(MAX_KEY_PACKAGE_BYTES) : null,
        };
      }
      case CLIENT_TYPES.kp_claim:
        return { type: 'kp_claim', requestId, accountId: r.string(MAX_ACCOUNT), cipherSuite: r.string(64) };
      case CLIENT_TYPES.kp_count:
        return { type: 'kp_count', requestId };
      default:
        throw new DecodeError(`unknown frame type ${type}`);
    }
  });
}

export function encodeServerFrame(f: ServerFrame): Uint8Array {
  const w = header(SERVER_TYPES[f.type], f.requestId);
  switch (f.type) {
    case 'challenge':
      w.fixed(f.challenge, CHALLENGE_BYTES).u64(f.serverTime);
      break;
    case 'ok':
      break;
    case 'error':
      w.string(f.code, 64).string(f.message, 1024);
      break;
    case 'kp_bundle':
      w.string(f.accountId, MAX_ACCOUNT).u16(f.keyPackages.length);
      for (const kp of f.keyPackages) {
        w.string(kp.deviceId, MAX_DEVICE)
          .u8(kp.lastResort ? 1 : 0)
          .bytes(kp.keyPackage, MAX_KEY_PACKAGE_BYTES);
      }
      break;
    case 'kp_remaining':
      w.u32(f.oneTime).u8(f.lastResort ? 1 : 0);
      break;
  }
  return w.finish();
}

export function decodeServerFrame(bytes: Uint8Array): ServerFrame {
  return decodeWith(bytes, MAX_FRAME_BYTES, 'frame', (r: Reader): ServerFrame => {
    const type = r.u8();
    const requestId = r.u32();
    switch (type) {
      case SERVER_TYPES.challenge:
        return { type: 'challenge', requestId: 0, challenge: r.fixed(CHALLENGE_BYTES), serverTime: r.u64() };
      case SERVER_TYPES.ok:
        return { type: 'ok', requestId };
      case SERVER_TYPES.error:
        return { type: 'error', requestId, code: r.string(64), message: r.string(1024) };
      case SERVER_TYPES.kp_bundle: {
        const accountId = r.string(MAX_ACCOUNT);
        const count = r.u16();
        const keyPackages: ClaimedKeyPackage[] = [];
        for (let i = 0; i < count; i++) {
          keyPackages.push({
            deviceId: r.string(MAX_DEVICE),
            lastResort: r.u8() === 1,
            keyPackage: r.bytes(MAX_KEY_PACKAGE_BYTES),
          });
        }
        return { type: 'kp_bundle', requestId, accountId, keyPackages };
      }
      case SERVER_TYPES.kp_remaining:
        return { type: 'kp_remaining', requestId, oneTime: r.u32(), lastResort: r.u8() === 1 };
      default:
        throw new DecodeError(`unknown frame type ${type}`);
    }
  });
}
