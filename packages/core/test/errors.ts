/** Test helpers: the stable error code an operation fails with ('no error' if it does not fail). */
import type { ParleyError } from '../src/index.js';

function code(e: unknown): string {
  return (e as ParleyError).code ?? `untyped: ${String(e)}`;
}

export function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return code(e);
  }
  return 'no error';
}

export async function codeOfAsync(p: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    return code(e);
  }
  return 'no error';
}
