/**
 * The open conversation: its header, messages (with their actions), typing line, notices, files
 * being sent and composer (pure view). Files dropped onto it are sent like those attached.
 */
import type { ChatMessage } from '@parley/client';
import { type DragEvent, useState } from 'react';
import type { Conversation } from '../containers/chatModel.js';
import type { Upload } from '../containers/chatState.js';
import { t } from '../i18n/t.js';
import { formatDuration } from '../time.js';
import { type FetchFile, TransferProgress } from './Attachment.js';
import { Composer } from './Composer.js';
import { conversationTitle, others } from './ConversationList.js';
import { MessageList } from './MessageList.js';

interface Props {
  me: string;
  conversation: Conversation;
  /** The history shown (the latest page, and earlier pages the person asked for). */
  messages: readonly ChatMessage[];
  /** Earlier messages can be read. */
  more: boolean;
  /** The history is being read. */
  loading: boolean;
  /** The page before is being read. */
  loadingEarlier: boolean;
  typing: string[];
  verified: ReadonlySet<string>;
  online: ReadonlySet<string>;
  undecryptable: number;
  /** System lines about the conversation (see MessageList). */
  notices: readonly string[];
  /** Sending is held (a member's identity changed): the composer says so and offers to review it. */
  held: boolean;
  onReview: () => void;
  onLoadEarlier: () => void;
  onSend: (text: string) => Promise<void>;
  onReply: (targetId: string, text: string) => Promise<void>;
  onReact: (targetId: string, emoji: string) => Promise<void>;
  onEdit: (targetId: string, text: string) => Promise<void>;
  onDelete: (targetId: string) => Promise<void>;
  /** Report someone else's message (opens the report dialog). */
  onReport: (m: ChatMessage) => void;
  onTyping: (typing: boolean) => void;
  /** Files being sent here, with their progress. */
  uploads: readonly Upload[];
  onSendFile: (file: File, replyTo: string | undefined) => Promise<void>;
  onCancelUpload: (id: string) => void;
  onFetch: FetchFile;
  onSafetyNumber: (accountId: string) => void;
  onMembers: () => void;
  onBack: () => void;
}

function LockIcon() {
  return (
    <svg className="lock" viewBox="0 0 16 16" aria-hidden="true" focusable="false">
      <path d="M4 7V5a4 4 0 0 1 8 0v2h1v8H3V7zm2 0h4V5a2 2 0 0 0-4 0z" fill="currentColor" />
    </svg>
  );
}

type HeaderProps = Pick<
  Props,
  'me' | 'conversation' | 'verified' | 'online' | 'onSafetyNumber' | 'onMembers' | 'onBack'
>;

/** The conversation's title, encryption and verification status, presence and actions. */
function ChatHeader(props: HeaderProps) {
  const { me, conversation: c, verified, online } = props;
  const title = conversationTitle(c, me);
  const people = others(c, me);
  const allVerified = people.length > 0 && people.every((p) => verified.has(p));
  return (
    <header className="chat-header">
      <button type="button" className="icon back" aria-label={t('chat.back')} onClick={props.onBack}>
        ←
      </button>
      <div className="chat-title">
        <h2>{title}</h2>
        <p className="encryption" data-testid="encryption-status">
          <LockIcon /> <span className="encryption-label">{t('chat.encrypted')}</span>
          <span className="encryption-detail">
            {' '}
            · MLS{c.epoch !== undefined && t('chat.epoch', { epoch: String(c.epoch) })}
          </span>{' '}
          ·{' '}
          <span className={allVerified ? 'verified' : 'unverified'}>
            {allVerified ? t('chat.verified') : t('chat.notVerified')}
          </span>
        </p>
        {c.suite !== undefined && (
          <p className="muted small" data-testid="suite" title={c.suite.name}>
            {t('chat.suite', { suite: c.suite.label })}
          </p>
        )}
        {c.direct && people[0] !== undefined && (
          <p className="muted small">{online.has(people[0]) ? t('chat.online') : t('chat.offline')}</p>
        )}
        {c.timer > 0 && (
          <p className="muted small" data-testid="timer">
            {t('chat.disappear', { duration: formatDuration(c.timer) })}
          </p>
        )}
      </div>
      <div className="chat-actions">
        {c.ended && <span className="muted small">{t('chat.ended')}</span>}
        {c.direct && people[0] !== undefined ? (
          <button type="button" className="header-safety" onClick={() => props.onSafetyNumber(people[0]!)}>
            {t('chat.safetyNumber')}
          </button>
        ) : null}
        <button type="button" onClick={props.onMembers}>
          {c.direct ? t('chat.details') : t('chat.members')}
        </button>
      </div>
    </header>
  );
}

/** One conversation: encryption status, messages with their actions, typing, composer (pure view). */
export function ChatView(props: Props) {
  const { me, conversation: c, messages, typing, verified, online, held } = props;
  const [replyingTo, setReplyingTo] = useState<ChatMessage | undefined>();
  const [error, setError] = useState<string | undefined>();
  const title = conversationTitle(c, me);
  const failed = (e: unknown) => setError(e instanceof Error ? e.message : String(e));
  const act = (work: Promise<void>) => {
    setError(undefined);
    work.catch(failed);
  };
  const send = async (text: string) => {
    const target = replyingTo;
    if (target === undefined) return props.onSend(text);
    await props.onReply(target.id, text);
    setReplyingTo(undefined);
  };
  const writable = !c.ended && !c.leaving;
  /** Files attached, pasted or dropped: each sent (the first as the reply being written, if any). */
  const sendFiles = (files: readonly File[]) => {
    let target = replyingTo?.id;
    if (target !== undefined && files.length > 0) setReplyingTo(undefined);
    for (const file of files) {
      act(props.onSendFile(file, target));
      target = undefined;
    }
  };
  const drop = useFileDrop(writable, sendFiles);

  return (
    <section
      className={`chat${drop.dropping ? ' dropping' : ''}`}
      aria-label={t('chat.label', { title })}
      {...drop.handlers}
    >
      <ChatHeader
        me={me}
        conversation={c}
        verified={verified}
        online={online}
        onSafetyNumber={props.onSafetyNumber}
        onMembers={props.onMembers}
        onBack={props.onBack}
      />
      <MessageList
        me={me}
        direct={c.direct}
        writable={writable}
        messages={messages}
        more={props.more}
        loading={props.loading}
        loadingEarlier={props.loadingEarlier}
        undecryptable={props.undecryptable}
        notices={props.notices}
        onLoadEarlier={props.onLoadEarlier}
        onReply={setReplyingTo}
        onReact={(m, emoji) => act(props.onReact(m.id, emoji))}
        onEdit={(m, text) => props.onEdit(m.id, text)}
        onDelete={(m) => act(props.onDelete(m.id))}
        onReport={props.onReport}
        onFetch={props.onFetch}
      />
      <p className="typing" aria-live="polite">
        {typing.length === 0 ? '' : t('chat.typing', { count: typing.length, names: typing.join(', ') })}
      </p>
      {c.ended && (
        <p className="notice warn" role="status" data-testid="ended">
          {t('chat.noLongerMember')}
        </p>
      )}
      {c.leaving && !c.ended && (
        <p className="notice" role="status">
          {t('chat.leaving')}
        </p>
      )}
      {held && <HeldNotice onReview={props.onReview} />}
      {error !== undefined && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <Uploads uploads={props.uploads} onCancel={props.onCancelUpload} />
      <Composer
        disabled={!writable}
        onFiles={sendFiles}
        replyingTo={replyingTo}
        onCancelReply={() => setReplyingTo(undefined)}
        onSend={send}
        onTyping={props.onTyping}
      />
    </section>
  );
}

/** A member's safety number changed: what is sent here waits until the person reviews it. */
function HeldNotice({ onReview }: { onReview: () => void }) {
  return (
    <p className="notice warn" role="status">
      {t('chat.held')}{' '}
      <button type="button" className="link" onClick={onReview}>
        {t('chat.review')}
      </button>
    </p>
  );
}

/** Files dragged over the conversation: marked while over it, sent when dropped (if it is writable). */
function useFileDrop(writable: boolean, onFiles: (files: File[]) => void) {
  const [dropping, setDropping] = useState(false);
  const hasFiles = (e: DragEvent) => writable && e.dataTransfer.types.includes('Files');
  const handlers = {
    onDragOver: (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      e.dataTransfer.dropEffect = 'copy';
      setDropping(true);
    },
    onDragLeave: (e: DragEvent) => {
      if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setDropping(false);
    },
    onDrop: (e: DragEvent) => {
      setDropping(false);
      if (!hasFiles(e)) return;
      e.preventDefault();
      onFiles(Array.from(e.dataTransfer.files));
    },
  };
  return { dropping, handlers };
}

/** The files being sent here: each one's progress, with a Cancel button. */
function Uploads({ uploads, onCancel }: { uploads: readonly Upload[]; onCancel: (id: string) => void }) {
  if (uploads.length === 0) return null;
  return (
    <ul className="uploads" aria-label={t('file.uploads')}>
      {uploads.map((u) => (
        <li key={u.id}>
          <TransferProgress
            label={t('file.sending', { name: u.name })}
            done={u.done}
            total={u.total}
            onCancel={() => onCancel(u.id)}
          />
        </li>
      ))}
    </ul>
  );
}
