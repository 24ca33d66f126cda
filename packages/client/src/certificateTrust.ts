/**
 * Why a TLS connection was refused for its certificate, read from the platform's error (Node's
 * OpenSSL codes travel in `cause.code`; a browser never tells, it shows its own warning instead).
 */

/** OpenSSL's and Node's codes for a certificate this client does not trust, in words. */
const PROBLEMS: Record<string, string> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'it is self-signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'it is issued by a self-signed authority this machine does not trust',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'its issuer is not one this machine trusts',
  UNABLE_TO_GET_ISSUER_CERT: 'its issuer is not one this machine trusts',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'its issuer is not one this machine trusts',
  CERT_UNTRUSTED: 'it is not trusted for this purpose',
  CERT_HAS_EXPIRED: 'it has expired',
  CERT_NOT_YET_VALID: 'it is not valid yet (or this machine’s clock is wrong)',
  ERR_TLS_CERT_ALTNAME_INVALID: 'it is for another host name',
  CERT_SIGNATURE_FAILURE: 'its signature does not verify',
};

/**
 * What is wrong with the server's certificate, if `error` (or one of its causes) is a TLS refusal
 * of it; undefined for any other failure.
 */
export function certificateProblem(error: unknown): string | undefined {
  let e: unknown = error;
  for (let depth = 0; depth < 5 && typeof e === 'object' && e !== null; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && Object.hasOwn(PROBLEMS, code)) return PROBLEMS[code];
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}
