/**
 * Reading past a contact's identity-key change. Processing a handshake or joining a group only
 * teaches this device keys; what must wait for the person's decision is sending to, and showing
 * what comes from, a device certified by a key that is not the pinned one. So a caller may read
 * with an AuthenticationService that reports such a change instead of refusing it, every other
 * credential check standing, and keep its own strict one in the state it stores.
 */
import type { AuthenticationService, ClientConfig } from 'ts-mls';
import type { MlsDevice } from '../device.js';
import { IdentityKeyMismatchError } from '../errors.js';

export interface IncomingOptions {
  /**
   * A leaf entering the group (by a commit or proposal) is certified by an identity key that differs
   * from the one pinned for its account: without this option processing throws
   * IdentityKeyMismatchError; with it, the change is reported here and processing goes on (the
   * caller then holds what it sends to that device, and what comes from it, until the person
   * accepts the key). Every other credential check still applies.
   */
  onIdentityChange?: (change: IdentityKeyMismatchError) => Promise<void>;
}

/** The device's AuthenticationService, but reporting an identity-key change instead of refusing it. */
export function tolerant(
  device: MlsDevice,
  onIdentityChange: (change: IdentityKeyMismatchError) => Promise<void>,
): AuthenticationService {
  return {
    async validateCredential(credential, signaturePublicKey) {
      try {
        return await device.auth.validateCredential(credential, signaturePublicKey);
      } catch (e) {
        if (!(e instanceof IdentityKeyMismatchError)) throw e;
        await onIdentityChange(e);
        return true;
      }
    },
  };
}

/** The device's ClientConfig, tolerant of identity changes when `options` asks for it. */
export function readingConfig(device: MlsDevice, options: IncomingOptions): ClientConfig {
  const { onIdentityChange } = options;
  if (onIdentityChange === undefined) return device.config;
  return { ...device.config, authService: tolerant(device, onIdentityChange) };
}
