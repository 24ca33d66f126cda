import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ERROR_CODES, is, ParleyError } from '@parley/core';
import { describe, expect, test } from 'vitest';
import { ApiError, errorText, ParleyApi, TransportError } from '../src/index.js';

describe('errorText', () => {
  test.each(ERROR_CODES)('%s has a sentence and a brief form', (code) => {
    const error = new ParleyError(code, 'what the code itself cannot say');
    const sentence = errorText(error);
    expect(sentence).toMatch(/^[A-Z].*[.?]$/s);
    if (code.includes('_')) expect(sentence).not.toContain(code); // words for people, not identifiers
    const brief = errorText(error, { brief: true });
    expect(brief.length).toBeGreaterThan(0);
    expect(brief).not.toMatch(/[.]$/);
    expect(sentence.toLowerCase().startsWith(brief.toLowerCase())).toBe(true);
  });

  test('the texts the CLI and the web app show', () => {
    const api = (code: ConstructorParameters<typeof ApiError>[0]) =>
      new ApiError(code, 'from the server', 400);
    expect(errorText(api('username_taken'))).toBe(
      'That username is taken, or looks too much like one that is. Choose another one.',
    );
    expect(errorText(api('username_taken'), { brief: true })).toBe(
      'that username is taken, or looks too much like one that is',
    );
    expect(errorText(api('invalid_credentials'))).toBe('Wrong username or password.');
    expect(errorText(new ApiError('wrong_password', 'x'), { brief: true })).toBe(
      'wrong username or password',
    );
    expect(errorText(api('access_denied'), { brief: true })).toBe('wrong access password or invite code');
    expect(errorText(api('invite_used'), { brief: true })).toBe('this invite code has already been used');
    expect(errorText(api('rate_limited'), { brief: true })).toBe('too many attempts; wait a minute');
    const down = new ApiError('unreachable', 'x');
    expect(errorText(down, { server: 'http://127.0.0.1:1', brief: true })).toBe(
      'cannot reach the server at http://127.0.0.1:1',
    );
    expect(errorText(down)).toBe('Cannot reach the server. Check your connection and try again.');
    expect(errorText(new ParleyError('wrong_key', 'x'), { brief: true })).toBe('wrong password');
    expect(errorText(new TransportError('auth_failed', 'x'))).toBe(
      'The server no longer accepts this device (it was revoked). Link it again from one of your other devices.',
    );
    expect(errorText(new TransportError('offline', 'x'))).toBe(
      'Not connected to the server. It will be tried again automatically.',
    );
  });

  test('codes whose own message names the problem show it, as a sentence or as it is', () => {
    const usage = new ParleyError('usage', 'a group needs a name');
    expect(errorText(usage)).toBe('A group needs a name.');
    expect(errorText(usage, { brief: true })).toBe('a group needs a name');
    const written = new ParleyError('usage', 'Enter your password.');
    expect(errorText(written)).toBe('Enter your password.');
  });

  test('anything else is shown by its message', () => {
    expect(errorText(new Error('You have no conversation with bob yet.'))).toBe(
      'You have no conversation with bob yet.',
    );
    expect(errorText('plain')).toBe('Plain.');
  });
});

describe("the client's errors are Parley errors", () => {
  test('ApiError and TransportError carry their code, and is() tells them apart', () => {
    const api = new ApiError('not_found', 'no such account', 404);
    const transport = new TransportError('timeout', 'no answer in time');
    for (const [e, code, name] of [
      [api, 'not_found', 'ApiError'],
      [transport, 'timeout', 'TransportError'],
    ] as const) {
      expect(e).toBeInstanceOf(ParleyError);
      expect(e.name).toBe(name);
      expect(is(e, code)).toBe(true);
      for (const other of ERROR_CODES) if (other !== code) expect(is(e, other)).toBe(false);
    }
    expect([api.status, transport.status]).toEqual([404, undefined]);
  });

  test('the HTTP API turns answers into ApiErrors with the server’s code and status', async () => {
    const answers: Record<string, [number, string]> = {
      '/v1/server': [
        409,
        JSON.stringify({ error: { code: 'username_taken', message: 'that username is taken' } }),
      ],
      '/v1/accounts/newer': [418, JSON.stringify({ error: { code: 'from_the_future', message: 'new' } })],
      '/v1/accounts/garbled': [200, '{not json'],
    };
    const server = createServer((req, res) => {
      const [status, body] = answers[req.url ?? ''] ?? [404, ''];
      res.writeHead(status, { 'content-type': 'application/json' }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const api = new ParleyApi(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
      await expect(api.serverInfo()).rejects.toMatchObject({ code: 'username_taken', status: 409 });
      // A code this client does not know is an answer it cannot act on.
      await expect(api.account('t', 'newer')).rejects.toMatchObject({ code: 'protocol', status: 418 });
      await expect(api.account('t', 'garbled')).rejects.toMatchObject({ code: 'protocol', status: 200 });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    const down = await new ParleyApi('http://127.0.0.1:1').serverInfo().catch((e: unknown) => e);
    expect(down).toBeInstanceOf(ApiError);
    expect(is(down, 'unreachable')).toBe(true);
  });
});
