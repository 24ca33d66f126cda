/**
 * What the catalogues say beyond the components (issue #20): the SDK's errors by code (the English
 * text is exactly the SDK's own sentence, so the two cannot drift apart) and system lines, in
 * every language with its plural rules.
 */
import { type ChatMessage, errorText } from '@parley/client';
import { ParleyError } from '@parley/core';
import { afterEach, expect, test } from 'vitest';
import { errorMessage } from '../src/i18n/errors.js';
import { setLocale } from '../src/i18n/locale.js';
import { en } from '../src/i18n/messages/en.js';
import { systemLine } from '../src/systemLines.js';

afterEach(() => setLocale('en'));

const codes = Object.keys(en)
  .filter((id) => id.startsWith('error.'))
  .map((id) => id.slice('error.'.length));

test('in English an error code says exactly what the SDK says for it', () => {
  expect(codes.length).toBeGreaterThan(50);
  for (const code of codes) {
    const e = new ParleyError(code as never, 'the message');
    expect({ code, text: errorMessage(e) }).toEqual({ code, text: errorText(e) });
  }
});

test('an error code is translated; an error that carries its own message keeps it', () => {
  setLocale('es');
  expect(errorMessage(new ParleyError('username_taken', 'x'))).toBe(
    'Ese nombre de usuario está ocupado o se parece demasiado a uno ocupado. Elige otro.',
  );
  setLocale('de');
  expect(errorMessage(new ParleyError('invalid_credentials', 'x'))).toBe(
    'Falscher Benutzername oder falsches Passwort.',
  );
  // limit_reached: the server's message names the limit; it follows a lead in the language.
  expect(errorMessage(new ParleyError('limit_reached', 'At most 10 devices.'))).toBe(
    'Ein Limit dieses Servers ist erreicht: At most 10 devices.',
  );
  setLocale('ar');
  expect(errorMessage(new ParleyError('backup_invalid', 'this is not a Parley backup'))).toBe(
    'لا يمكن استخدام ملف النسخة الاحتياطية: this is not a Parley backup.',
  );
  setLocale('en');
  expect(errorMessage(new ParleyError('invalid_username', 'Usernames are 3 to 32 characters'))).toBe(
    'That username is not allowed: Usernames are 3 to 32 characters.',
  );
});

test('system lines follow the language and its plurals', () => {
  const timer = { system: { event: 'timer', seconds: 3600, by: 'uma' } } as const;
  const joined = { system: { event: 'members', joined: ['ann', 'bob'], left: [], by: 'uma' } } satisfies Pick<
    ChatMessage,
    'system'
  >;
  const repaired = {
    system: {
      event: 'repaired',
      by: { accountId: 'omar', deviceId: '0123456789abcdef' },
      reason: 'x',
      missed: 2,
    },
  } as const;
  expect(systemLine(timer, 'uma')).toBe('you set disappearing messages to 1 hour');
  expect(systemLine(timer, 'vic')).toBe('uma set disappearing messages to 1 hour');
  expect(systemLine(repaired, 'vic')).toBe(
    "omar's device 01234567… sent a change that could not be applied; this conversation was repaired. 2 messages or changes sent meanwhile could not be read.",
  );
  setLocale('de');
  expect(systemLine(timer, 'vic')).toBe('uma hat selbstlöschende Nachrichten auf 1 Stunde gestellt');
  expect(systemLine(joined, 'vic')).toBe('ann, bob sind beigetreten');
  setLocale('ar');
  expect(systemLine(timer, 'uma')).toBe('ضبطتَ الرسائل المؤقتة على ساعة');
  expect(systemLine(repaired, 'vic')).toContain('تعذّرت قراءة رسالتين');
});
