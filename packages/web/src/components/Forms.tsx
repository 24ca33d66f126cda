/** The dialogs' forms and panels: new conversation, members, link code, warnings (pure views). */
import { MAX_CONVERSATION_NAME_BYTES, MAX_PASSWORD_CHARS, MAX_USERNAME_CHARS } from '@parley/core';
import { type FormEvent, useId, useState } from 'react';
import { MAX_PEOPLE_AT_ONCE } from '../containers/chatState.js';
import { Rich } from '../i18n/Rich.js';
import { t } from '../i18n/t.js';
import type { FieldProps } from './AuthScreen.js';

interface ErrorProps {
  error: string | undefined;
}

export function ErrorText({ error }: ErrorProps) {
  return error === undefined ? null : (
    <p className="error" role="alert">
      {error}
    </p>
  );
}

interface NewConversationProps {
  group: boolean;
  busy: boolean;
  error: string | undefined;
  /** `postQuantum`: the person ticked "Post-quantum encryption (X-Wing)". */
  onSubmit: (name: string, usernames: string[], options: { postQuantum: boolean }) => void;
}

/** Room for the usernames typed at once, with separators. */
const MAX_NAMES_TYPED = MAX_PEOPLE_AT_ONCE * (MAX_USERNAME_CHARS + 2);

/** Split "bob, carol dave" into usernames. */
export function splitNames(text: string): string[] {
  return [
    ...new Set(
      text
        .split(/[\s,;]+/)
        .map((s) => s.trim())
        .filter((s) => s.length > 0),
    ),
  ];
}

/** Start a one-to-one chat (a username) or a group (a name and usernames) (pure view). */
export function NewConversationForm({ group, busy, error, onSubmit }: NewConversationProps) {
  const [name, setName] = useState('');
  const [people, setPeople] = useState('');
  const [postQuantum, setPostQuantum] = useState(false);
  const id = useId();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onSubmit(name, splitNames(people), { postQuantum });
  };
  return (
    <form className="stack" onSubmit={submit}>
      {group && (
        <>
          <label htmlFor={`${id}-name`}>{t('newChat.groupName')}</label>
          <input
            id={`${id}-name`}
            name="group-name"
            maxLength={MAX_CONVERSATION_NAME_BYTES}
            required
            value={name}
            onChange={(e) => setName(e.target.value)}
          />
        </>
      )}
      <label htmlFor={`${id}-people`}>{group ? t('newChat.members') : t('auth.username')}</label>
      <input
        id={`${id}-people`}
        name="people"
        autoCapitalize="none"
        spellCheck={false}
        maxLength={group ? MAX_NAMES_TYPED : MAX_USERNAME_CHARS}
        required
        value={people}
        onChange={(e) => setPeople(e.target.value)}
      />
      <label className="toggle">
        <input
          type="checkbox"
          name="post-quantum"
          checked={postQuantum}
          onChange={(e) => setPostQuantum(e.currentTarget.checked)}
        />
        {t('newChat.postQuantum')}
      </label>
      <ErrorText error={error} />
      <button type="submit" className="primary" disabled={busy}>
        {busy ? t('auth.working') : group ? t('newChat.createGroup') : t('newChat.startChat')}
      </button>
    </form>
  );
}

interface MembersProps {
  me: string;
  members: string[];
  direct: boolean;
  /** This device is no longer a member: the list is as it was, nothing can be changed. */
  ended: boolean;
  verified: ReadonlySet<string>;
  online: ReadonlySet<string>;
  busy: boolean;
  error: string | undefined;
  canLeave: boolean;
  /** The group's name (groups only). */
  name: string | null;
  onRename: (name: string) => void;
  onAdd: (usernames: string[]) => void;
  onRemove: (accountId: string) => void;
  onSafetyNumber: (accountId: string) => void;
  /** Ask to block a member (the confirmation follows). */
  onBlock: (accountId: string) => void;
  onLeave: () => void;
}

/** A conversation's members: verify, block, remove, add, leave (pure view). */
export function MembersPanel(props: MembersProps) {
  const { me, members, verified, online, busy } = props;
  const [toAdd, setToAdd] = useState('');
  const [name, setName] = useState(props.name ?? '');
  const id = useId();
  return (
    <div className="stack">
      {!props.direct && !props.ended && (
        <form
          className="stack"
          onSubmit={(e) => {
            e.preventDefault();
            props.onRename(name);
          }}
        >
          <label htmlFor={`${id}-name`}>{t('newChat.groupName')}</label>
          <div className="row">
            <input
              id={`${id}-name`}
              name="group-name"
              maxLength={MAX_CONVERSATION_NAME_BYTES}
              required
              value={name}
              onChange={(e) => setName(e.target.value)}
            />
            <button type="submit" disabled={busy || name.trim() === (props.name ?? '')}>
              {t('members.rename')}
            </button>
          </div>
        </form>
      )}
      <ul className="members">
        {members.map((m) => (
          <li key={m} data-member={m}>
            <span className="member-name">
              {m}
              {m === me ? t('members.you') : ''}
              {m !== me && online.has(m) && <span className="muted small"> · {t('chat.online')}</span>}
              {m !== me && verified.has(m) && <span className="verified small"> · {t('chat.verified')}</span>}
            </span>
            {m !== me && (
              <span className="member-actions">
                <button type="button" onClick={() => props.onSafetyNumber(m)}>
                  {t('chat.safetyNumber')}
                </button>
                <button type="button" disabled={busy} onClick={() => props.onBlock(m)}>
                  {t('members.block')} <span className="visually-hidden">{m}</span>
                </button>
                {!props.direct && !props.ended && (
                  <button type="button" className="danger" disabled={busy} onClick={() => props.onRemove(m)}>
                    {t('members.remove')} <span className="visually-hidden">{m}</span>
                  </button>
                )}
              </span>
            )}
          </li>
        ))}
      </ul>
      {!props.direct && !props.ended && (
        <form
          className="stack"
          onSubmit={(e) => {
            e.preventDefault();
            props.onAdd(splitNames(toAdd));
            setToAdd('');
          }}
        >
          <label htmlFor={`${id}-add`}>{t('members.addLabel')}</label>
          <div className="row">
            <input
              id={`${id}-add`}
              name="add-members"
              autoCapitalize="none"
              spellCheck={false}
              maxLength={MAX_NAMES_TYPED}
              required
              value={toAdd}
              onChange={(e) => setToAdd(e.target.value)}
            />
            <button type="submit" disabled={busy}>
              {t('members.add')}
            </button>
          </div>
        </form>
      )}
      <ErrorText error={props.error} />
      {props.canLeave && !props.direct && (
        <button type="button" className="danger" disabled={busy} onClick={props.onLeave}>
          {t('members.leave')}
        </button>
      )}
    </div>
  );
}

interface IdentityWarningProps {
  /** Close the warning for now; the conversations with the contact stay held and say so. */
  onLater: () => void;
  contact: string;
  busy: boolean;
  onCompare: () => void;
  onAccept: () => void;
}

/**
 * The blocking warning shown when a contact's identity key changed (pure view). It cannot be
 * dismissed: the person either compares safety numbers first or accepts the new key knowingly.
 */
export function IdentityWarning({ contact, busy, onCompare, onAccept, onLater }: IdentityWarningProps) {
  return (
    <div className="stack identity-warning" data-testid="identity-warning">
      <p>
        <Rich id="identity.changed" values={{ contact }} />
      </p>
      <p>{t('identity.held', { contact })}</p>
      <div className="row">
        <button type="button" onClick={onCompare}>
          {t('identity.compare')}
        </button>
        <button type="button" className="danger" disabled={busy} onClick={onAccept}>
          {t('identity.accept')}
        </button>
        <button type="button" onClick={onLater}>
          {t('identity.later')}
        </button>
      </div>
    </div>
  );
}

/** The connection's state, or a catch-up that failed and is being tried again (pure view). */
export function ConnectionBanner({ state, syncError }: { state: string; syncError?: string | undefined }) {
  if (state === 'online' && syncError === undefined) return null;
  const text =
    state === 'closed'
      ? t('banner.closed')
      : state === 'online'
        ? t('banner.syncFailed', { code: syncError ?? '' })
        : t('banner.reconnecting');
  return (
    <div className="banner" role="status" data-testid="connection-banner">
      {text}
    </div>
  );
}

interface PasswordFormProps {
  intro: string;
  submitLabel: string;
  busy: boolean;
  error: string | undefined;
  onSubmit: (password: string) => void;
}

/** "Confirm with your password" before something that needs the account's server session. */
export function PasswordForm({ intro, submitLabel, busy, error, onSubmit }: PasswordFormProps) {
  const [password, setPassword] = useState('');
  const id = useId();
  return (
    <form
      className="stack"
      onSubmit={(e) => {
        e.preventDefault();
        onSubmit(password);
      }}
    >
      <p>{intro}</p>
      <PasswordField id={id} value={password} onChange={setPassword} />
      <ErrorText error={error} />
      <button type="submit" className="primary" disabled={busy}>
        {busy ? t('auth.working') : submitLabel}
      </button>
    </form>
  );
}

/** "Password": the account's password, typed to prove it is the person (any length it could have). */
export function PasswordField({ id, value, onChange }: FieldProps) {
  return (
    <>
      <label htmlFor={`${id}-password`}>{t('auth.password')}</label>
      <input
        id={`${id}-password`}
        name="password"
        type="password"
        autoComplete="current-password"
        maxLength={MAX_PASSWORD_CHARS}
        required
        value={value}
        onChange={(e) => onChange(e.target.value)}
      />
    </>
  );
}
