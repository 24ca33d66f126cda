/**
 * A file a message carries (pure view, given how to fetch it): an image as its preview inline,
 * opened large in a dialog; any other file as a card with its name, size and a Download button.
 * Fetching shows its progress and can be cancelled. Only allowlisted image types are ever drawn
 * (containers/files.ts); what is saved is plain bytes under a sanitised name.
 */
import type { AttachmentInfo, TransferOptions } from '@parley/client';
import { useEffect, useRef, useState } from 'react';
import { imageType, safeBlob, thumbnailUrl } from '../containers/files.js';
import { displayName, formatBytes, formatPercent } from '../format.js';
import { t } from '../i18n/t.js';
import { Dialog } from './Dialog.js';

/** Fetch, check and decrypt a message's file. */
export type FetchFile = (file: AttachmentInfo, options: TransferOptions) => Promise<Blob>;

/** How long a saved file's object URL lives (the browser has read it long before). */
const SAVE_URL_MS = 60_000;

interface Transfer {
  done: number;
  total: number;
}

/** A fetch of `info` with its progress, cancelled on unmount or by `cancel`. */
function useFetch(info: AttachmentInfo, fetchFile: FetchFile) {
  const [progress, setProgress] = useState<Transfer | undefined>();
  const [error, setError] = useState<string | undefined>();
  const controller = useRef<AbortController | undefined>(undefined);
  useEffect(() => () => controller.current?.abort(), []);
  const start = async (): Promise<Blob | undefined> => {
    controller.current?.abort();
    const c = new AbortController();
    controller.current = c;
    setError(undefined);
    setProgress({ done: 0, total: info.size });
    try {
      return await fetchFile(info, {
        signal: c.signal,
        onProgress: (done, total) => setProgress({ done, total }),
      });
    } catch (e) {
      if (!c.signal.aborted) setError(e instanceof Error ? e.message : String(e));
      return undefined;
    } finally {
      if (controller.current === c) {
        controller.current = undefined;
        setProgress(undefined);
      }
    }
  };
  const cancel = () => controller.current?.abort();
  return { progress, error, start, cancel };
}

/** A transfer's progress bar, labelled, with its percentage and a Cancel button. */
export function TransferProgress({
  label,
  done,
  total,
  onCancel,
}: {
  label: string;
  done: number;
  total: number;
  onCancel: () => void;
}) {
  const percent = formatPercent(done, total);
  return (
    <span className="transfer" data-testid="transfer">
      <label>
        <span className="transfer-label">{label}</span>
        <progress max={total} value={done}>
          {percent}
        </progress>
      </label>
      <span className="transfer-percent" aria-hidden="true">
        {percent}
      </span>
      <button type="button" onClick={onCancel} aria-label={t('file.cancelLabel', { label })}>
        {t('message.cancel')}
      </button>
    </span>
  );
}

/** Save a Blob under `name` with a temporary <a download>. */
function save(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.rel = 'noopener';
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), SAVE_URL_MS);
}

function FileIcon() {
  return (
    <svg className="file-icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <path d="M6 2h8l6 6v14H6zm8 1.5V9h5.5" fill="none" stroke="currentColor" strokeWidth="1.5" />
    </svg>
  );
}

/** Any file: icon, name, size, and a Download button that fetches, decrypts and saves it. */
function FileCard({ info, fetchFile }: { info: AttachmentInfo; fetchFile: FetchFile }) {
  const name = displayName(info.name);
  const { progress, error, start, cancel } = useFetch(info, fetchFile);
  const download = async () => {
    const blob = await start();
    if (blob !== undefined) save(safeBlob(blob, info, false), name);
  };
  return (
    <span className="file-card" data-testid="file-card">
      <FileIcon />
      <span className="file-about">
        <span className="file-name">{name}</span>
        <span className="file-size muted small">{formatBytes(info.size)}</span>
      </span>
      {progress === undefined ? (
        <button type="button" onClick={() => void download()} aria-label={t('file.downloadLabel', { name })}>
          {t('file.download')}
        </button>
      ) : (
        <TransferProgress label={t('file.downloading', { name })} {...progress} onCancel={cancel} />
      )}
      {error !== undefined && (
        <span className="error" role="alert">
          {error}
        </span>
      )}
    </span>
  );
}

/** Read a Blob (of an allowlisted image type) as a data: URL, which the page may draw. */
function dataUrl(blob: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(blob);
  });
}

/**
 * The image opened large: fetched with its progress, then drawn (from a data: URL, which the app's
 * Content-Security-Policy allows for images) with a link to save it (an object URL, revoked when
 * the dialog closes).
 */
function ImageDialog({
  info,
  fetchFile,
  onClose,
}: {
  info: AttachmentInfo;
  fetchFile: FetchFile;
  onClose: () => void;
}) {
  const name = displayName(info.name);
  const { progress, error, start, cancel } = useFetch(info, fetchFile);
  const [shown, setShown] = useState<{ src: string; href: string } | undefined>();
  const [broken, setBroken] = useState(false);
  // biome-ignore lint/correctness/useExhaustiveDependencies: fetched once, when the dialog opens
  useEffect(() => {
    let href: string | undefined;
    let live = true;
    void (async () => {
      const blob = await start();
      if (blob === undefined || !live) return;
      const src = await dataUrl(safeBlob(blob, info, true));
      if (!live) return;
      href = URL.createObjectURL(safeBlob(blob, info, false));
      setShown({ src, href });
    })();
    return () => {
      live = false;
      if (href !== undefined) URL.revokeObjectURL(href);
    };
  }, []);
  return (
    <Dialog title={name} onClose={onClose} className="image-dialog">
      {progress !== undefined && (
        <TransferProgress label={t('file.loading', { name })} {...progress} onCancel={cancel} />
      )}
      {error !== undefined && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {shown !== undefined && !broken && (
        <img className="image-large" src={shown.src} alt={name} onError={() => setBroken(true)} />
      )}
      {broken && (
        <p className="error" role="alert">
          {t('file.notImage')}
        </p>
      )}
      {shown !== undefined && (
        <p className="dialog-actions">
          <a className="button" href={shown.href} download={name}>
            {t('file.downloadSize', { size: formatBytes(info.size) })}
          </a>
        </p>
      )}
    </Dialog>
  );
}

/** An image: its preview at its aspect ratio; clicking opens it large. */
function ImageThumb({ info, fetchFile }: { info: AttachmentInfo; fetchFile: FetchFile }) {
  const name = displayName(info.name);
  const [open, setOpen] = useState(false);
  const src = thumbnailUrl(info);
  const ratio =
    info.width !== undefined && info.height !== undefined && info.height > 0
      ? info.width / info.height
      : 4 / 3;
  return (
    <>
      <button
        type="button"
        className="image-thumb"
        aria-label={t('file.openImage', { name })}
        style={{ aspectRatio: String(ratio) }}
        onClick={() => setOpen(true)}
      >
        {src !== undefined ? (
          <img src={src} alt={name} width={info.width} height={info.height} />
        ) : (
          <span className="image-placeholder">{name}</span>
        )}
      </button>
      {open && <ImageDialog info={info} fetchFile={fetchFile} onClose={() => setOpen(false)} />}
    </>
  );
}

/** A message's file: an allowlisted image inline, anything else as a card. */
export function AttachmentView({ info, fetchFile }: { info: AttachmentInfo; fetchFile: FetchFile }) {
  return imageType(info) !== undefined ? (
    <ImageThumb info={info} fetchFile={fetchFile} />
  ) : (
    <FileCard info={info} fetchFile={fetchFile} />
  );
}
