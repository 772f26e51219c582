import { useState, type FormEvent } from 'react';
import type { UseMutationResult } from '@tanstack/react-query';
import { ApiError } from '../api/client.ts';
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
  allowReply = true,
  canned = [],
  latestEntryId,
  onWriting,
  articleTitle,
}: {
  addEntry: AddEntry;
  allowNote: boolean;
  allowReply?: boolean;
  canned?: { id: string; title: string; bodyHtml: string }[];
  /** The newest thread entry shown: what the writer has seen when it begins (live updates keep it current). */
  latestEntryId?: string | undefined;
  /** Whether there is a message being written (the collision notice says "replying"). */
  onWriting?: (writing: boolean) => void;
  /** Given to agents who write articles: the title a reply saved as a draft article gets. */
  articleTitle?: string;
}) {
  const { t } = useI18n();
  const [chosen, setKind] = useState<Kind>(allowReply ? 'reply' : 'note');
  // A reply no longer allowed (the ticket lost its requester) falls back to a note.
  const kind: Kind = allowReply ? chosen : 'note';
  const [text, setText] = useState('');
  const [files, setFiles] = useState<File[]>([]);
  const [sent, setSent] = useState(false);
  // Taken when the writer begins: a reply refused because others wrote since is reviewed, then sent anyway.
  const [seenEntryId, setSeenEntryId] = useState<string | undefined>(undefined);
  const changed = addEntry.error instanceof ApiError && addEntry.error.code === 'TICKET_CHANGED';

  const write = (value: string) => {
    if (!text && value) setSeenEntryId(latestEntryId);
    if (!text !== !value) onWriting?.(Boolean(value));
    setText(value);
  };

  const send = (anyway: boolean) => {
    setSent(false);
    const sentText = text;
    addEntry.mutate(
      { kind, body: textToHtml(text), files, seenEntryId: anyway || kind === 'note' ? undefined : seenEntryId },
      {
        // The message is sent even when a file was refused: it is not offered for sending twice.
        // The answer may come after the refreshes it started: what was written since is kept.
        onSuccess: () => {
          setText((current) => (current === sentText ? '' : current));
          onWriting?.(false);
          setFiles([]);
          setSent(true);
          setSeenEntryId(undefined);
        },
      },
    );
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    send(false);
  };

  return (
    <form className={`card form composer composer-${kind}`} onSubmit={submit} aria-label={kind === 'note' ? t('compose.note') : t('compose.reply')}>
      {allowNote && allowReply && (
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
              if (chosen) write((text ? `${text}\n\n` : '') + htmlToText(chosen.bodyHtml));
            }}
          >
            <Options empty="—" items={canned.map((c) => ({ value: c.id, label: c.title }))} />
          </select>
        </Field>
      )}
      {allowNote && <KbInsert onInsert={(inserted) => setText((text ? `${text}\n\n` : '') + inserted)} />}
      <Field label={kind === 'note' ? t('compose.note') : t('compose.yourReply')}>
        <textarea name="body" rows={5} required value={text} onChange={(e) => write(e.target.value)} />
      </Field>
      <FileInput files={files} onChange={setFiles} />
      {addEntry.isError && <ErrorMessage error={addEntry.error} />}
      {sent && <Notice>{t('compose.sent')}</Notice>}
      {sent && addEntry.data && <UploadFailures failed={addEntry.data.failed} />}
      <button type="submit" className={`button ${kind === 'note' ? 'button-note' : ''}`} disabled={addEntry.isPending}>
        {kind === 'note' ? t('compose.addNote') : t('compose.sendReply')}
      </button>
      {changed && (
        <button type="button" className="button" disabled={addEntry.isPending} onClick={() => send(true)}>
          {t('compose.sendAnyway')}
        </button>
      )}
      {articleTitle !== undefined && <SaveAsArticle title={articleTitle} text={text} />}
    </form>
  );
}
