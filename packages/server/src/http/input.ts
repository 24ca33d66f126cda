/**
 * What the HTTP routes accept: TypeBox building blocks for bodies and parameters (the route types
 * come from these), and the decoders that turn accepted strings into values or a 400.
 */
import { canonicalUsername, checkNewUsername, fromBase64Url, SEALED_DEVICE_LABEL_BYTES } from '@parley/core';
import Type from 'typebox';
import { ApiError } from '../errors.js';

/** Base64url without padding, at most `maxLength` characters (and at least `minLength`). */
export function base64url(maxLength: number, minLength?: number) {
  return Type.String({
    pattern: '^[A-Za-z0-9_-]*$',
    maxLength,
    ...(minLength === undefined ? {} : { minLength }),
  });
}

/** A username as typed; the server canonicalises it (canonical below). */
export const Username = Type.String({ minLength: 1, maxLength: 64 });

/** The bytes of a base64url field (of `exactLength` when given), or 400 invalid_request naming it. */
export function bytes(value: string, field: string, exactLength?: number): Uint8Array {
  let out: Uint8Array;
  try {
    out = fromBase64Url(value);
  } catch {
    throw new ApiError(400, 'invalid_request', `${field} is not base64url`);
  }
  if (exactLength !== undefined && out.length !== exactLength) {
    throw new ApiError(400, 'invalid_request', `${field} must be ${exactLength} bytes`);
  }
  return out;
}

/** The canonical account id for a username, or 400 invalid_username. */
export function canonical(name: string, check: (name: string) => string = canonicalUsername): string {
  try {
    return check(name);
  } catch (e) {
    throw new ApiError(400, 'invalid_username', e instanceof Error ? e.message : 'invalid username');
  }
}

/**
 * The account id for a name someone registers: also refused (400 invalid_username, the reason in
 * plain words) when it holds invisible characters, mixes scripts or piles up accents.
 */
export function newAccountName(name: string): string {
  return canonical(name, checkNewUsername);
}

/** A device's sealed label (core deviceLabel.ts) in base64url: opaque, at most core's sealed size. */
export const SealedLabel = base64url(Math.ceil((SEALED_DEVICE_LABEL_BYTES * 4) / 3), 1);

/** The bytes of a sealed label, or 400 invalid_request when it is longer than a sealed label can be. */
export function sealedLabelBytes(value: string, field: string): Uint8Array {
  const label = bytes(value, field);
  if (label.length > SEALED_DEVICE_LABEL_BYTES)
    throw new ApiError(400, 'invalid_request', `${field} is at most ${SEALED_DEVICE_LABEL_BYTES} bytes`);
  return label;
}
