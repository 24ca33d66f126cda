import { ERROR_CODES, type ErrorCode, is, ParleyError } from '@parley/core';
import { expect, test } from 'vitest';
import { ClusterMessageError, decodeClusterMessage } from '../src/cluster.js';
import { ConfigError, loadConfig } from '../src/config.js';
import { ApiError, errorBody } from '../src/errors.js';
import { FrameError } from '../src/hub.js';

const thrown = (f: () => unknown): unknown => {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('did not throw');
};

test("the server's errors are Parley errors, told apart by is()", () => {
  const cases: Array<[ParleyError, ErrorCode, string]> = [
    [new ApiError(409, 'username_taken', 'that username is taken'), 'username_taken', 'ApiError'],
    [new FrameError('not_a_member', 'not a member of this group'), 'not_a_member', 'FrameError'],
    [thrown(() => loadConfig(['--port', 'eighty'])) as ConfigError, 'invalid_config', 'ConfigError'],
    [
      thrown(() => decodeClusterMessage(new Uint8Array(2))) as ClusterMessageError,
      'decode_error',
      'ClusterMessageError',
    ],
  ];
  for (const [e, code, name] of cases) {
    expect(e).toBeInstanceOf(ParleyError);
    expect(e.name).toBe(name);
    expect(is(e, code)).toBe(true);
    for (const other of ERROR_CODES) if (other !== code) expect(is(e, other)).toBe(false);
  }
  expect(cases[2]?.[0]).toBeInstanceOf(ConfigError);
  expect(cases[3]?.[0]).toBeInstanceOf(ClusterMessageError);
});

test('an API error keeps its HTTP status, and its body is the wire shape', () => {
  const e = new ApiError(429, 'rate_limited', 'too many login attempts; wait a minute');
  expect(e.status).toBe(429);
  expect(errorBody(e.code, e.message)).toEqual({
    error: { code: 'rate_limited', message: 'too many login attempts; wait a minute' },
  });
});
