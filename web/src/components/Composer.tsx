import { useState, type FormEvent } from 'react';
import type { UseMutationResult } from '@tanstack/react-query';
import type { EntryInput, FailedUpload } from '../api/desk-queries.ts';
import type { ThreadEntry } from '../api/types.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { FileInput, UploadFailures } from './Attachments.tsx';
import { ErrorMessage, Notice } from './ErrorMessage.tsx';
import { Field } from './Field.tsx';
import { htmlToText, textToHtml } from './html.ts';
import { Options } from './Options.tsx';
import { KbInsert, SaveAsArticle } from './KbInsert.tsx';

type Kind = 'reply' | 'note';
type AddEntry = UseMutationResult<{ entry: ThreadEntry; failed: FailedUpload[] }, Error, EntryInput>;

/**
 * Writing to a ticket. With `allowNote`, the writer chooses between a public reply and an internal
 * note; the two look different (colour, heading, button) all the way to the send button.
 */
export function Composer({
  addEntry,
  allowNote,
  canned = [],
  articleTitle,
}: {
  addEntry: AddEntry;
  allowNote: boolean;
  canned?: { id: string; title: string; bodyHtml: string }[];
  /** Given to agents who write articles: the title a reply saved as a draft article gets. */
  articleTitle?: string;
}) {
  const { t } = useI18n();
  const [kind, setKind] = useState<Kind>('reply');
  const [text, setText] = useState('');
  const [files, setFiles] = useState<File[]>([]);
  const [sent, setSent] = useState(false);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSent(false);
    addEntry.mutate(
      { kind, body: textToHtml(text), files },
      {
        // The message is sent even when a file was refused: it is not offered for sending twice.
        onSuccess: () => {
          setText('');
          setFiles([]);
          setSent(true);
        },
      },
    );
  };

  return (
    <form className={`card form composer composer-${kind}`} onSubmit={submit} aria-label={kind === 'note' ? t('compose.note') : t('compose.reply')}>
      {allowNote && (
        <fieldset className="segmented">
          <legend>{t('compose.kind')}</legend>
          {(['reply', 'note'] as const).map((k) => (
            <label key={k} className={`segment segment-${k}`}>
              <input type="radio" name="kind" value={k} checked={kind === k} onChange={() => setKind(k)} />
              {k === 'note' ? t('compose.note') : t('compose.reply')}
            </label>
          ))}
        </fieldset>
      )}
      {allowNote && <p className={`composer-hint composer-hint-${kind}`}>{kind === 'note' ? t('thread.noteHint') : t('thread.replyHint')}</p>}
      {allowNote && canned.length > 0 && (
        <Field label={t('compose.canned')}>
          <select
            value=""
            onChange={(event) => {
              const chosen = canned.find((c) => c.id === event.target.value);
              if (chosen) setText((text ? `${text}\n\n` : '') + htmlToText(chosen.bodyHtml));
            }}
          >
            <Options empty="—" items={canned.map((c) => ({ value: c.id, label: c.title }))} />
          </select>
        </Field>
      )}
      {allowNote && <KbInsert onInsert={(inserted) => setText((text ? `${text}\n\n` : '') + inserted)} />}
      <Field label={kind === 'note' ? t('compose.note') : t('compose.yourReply')}>
        <textarea name="body" rows={5} required value={text} onChange={(e) => setText(e.target.value)} />
      </Field>
      <FileInput files={files} onChange={setFiles} />
      {addEntry.isError && <ErrorMessage error={addEntry.error} />}
      {sent && <Notice>{t('compose.sent')}</Notice>}
      {sent && addEntry.data && <UploadFailures failed={addEntry.data.failed} />}
      <button type="submit" className={`button ${kind === 'note' ? 'button-note' : ''}`} disabled={addEntry.isPending}>
        {kind === 'note' ? t('compose.addNote') : t('compose.sendReply')}
      </button>
      {articleTitle !== undefined && <SaveAsArticle title={articleTitle} text={text} />}
    </form>
  );
}
