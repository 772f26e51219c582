import { useId } from 'react';
import { ApiError } from '../api/client.ts';
import type { FailedUpload } from '../api/desk-queries.ts';
import type { Attachment } from '../api/desk-types.ts';
import { useI18n } from '../i18n/i18n.tsx';

/** A size people read: 940 B, 12 kB, 3.4 MB (decimal units, as file managers show them). */
export function formatSize(bytes: number, language: string): string {
  const units = ['B', 'kB', 'MB', 'GB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  const digits = unit === 0 || value >= 10 ? 0 : 1;
  return `${value.toLocaleString(language, { maximumFractionDigits: digits })} ${units[unit]}`;
}

/**
 * The files of one thread entry as download links. The server answers every download as an
 * attachment (never rendered in the page), so the link says "download" and the file's size.
 */
export function AttachmentList({ items }: { items: Attachment[] }) {
  const { t, language } = useI18n();
  if (!items.length) return null;
  return (
    <ul className="attachments" aria-label={t('attach.files')}>
      {items.map((file) => (
        <li key={file.id}>
          <a href={`/api/v1/attachments/${encodeURIComponent(file.id)}`} download={file.filename} data-attachment={file.filename}>
            <PaperClip />
            {file.filename}
          </a>{' '}
          <span className="muted small">
            ({formatSize(file.size, language)}
            <span className="visually-hidden">, {t('attach.download')}</span>)
          </span>
        </li>
      ))}
    </ul>
  );
}

/** A paper-clip icon drawn inline (no icon font, no emoji font needed). */
function PaperClip() {
  return (
    <svg className="icon" viewBox="0 0 16 16" width="14" height="14" aria-hidden="true" focusable="false">
      <path d="M10.5 4.5 5.6 9.4a1.4 1.4 0 0 0 2 2l5.2-5.2a2.8 2.8 0 0 0-4-4L3.5 7.5a4.2 4.2 0 0 0 6 6l4-4" fill="none" stroke="currentColor" strokeWidth="1.4" strokeLinecap="round" />
    </svg>
  );
}

/** Choosing files to send with a message; the chosen ones are listed and can be taken off again. */
export function FileInput({ files, onChange }: { files: File[]; onChange(files: File[]): void }) {
  const { t, language } = useI18n();
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{t('attach.add')}</label>
      <input
        id={id}
        type="file"
        name="files"
        multiple
        aria-describedby={`${id}-hint`}
        onChange={(event) => {
          onChange([...files, ...Array.from(event.target.files ?? [])]);
          // The same file can be chosen again after being taken off.
          event.target.value = '';
        }}
      />
      <p id={`${id}-hint`} className="hint">
        {t('attach.hint')}
      </p>
      {files.length > 0 && (
        <ul className="chosen-files" aria-label={t('attach.chosen')}>
          {files.map((file, index) => (
            <li key={`${file.name}-${index}`}>
              {file.name} <span className="muted small">({formatSize(file.size, language)})</span>{' '}
              <button type="button" className="button secondary small" onClick={() => onChange(files.filter((_, i) => i !== index))} aria-label={t('attach.remove', { name: file.name })}>
                {t('actions.remove')}
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** Files the server refused after the message itself was sent: which, and why. */
export function UploadFailures({ failed }: { failed: FailedUpload[] }) {
  const { t } = useI18n();
  if (!failed.length) return null;
  return (
    <div role="alert" className="alert alert-error">
      <strong>{t('attach.failed')}</strong>
      <ul>
        {failed.map(({ file, error }, index) => (
          <li key={`${file.name}-${index}`}>
            {file.name}: {error instanceof ApiError || error instanceof Error ? error.message : String(error)}
          </li>
        ))}
      </ul>
    </div>
  );
}
