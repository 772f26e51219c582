import { useEffect, useId, useRef } from 'react';
import { useI18n } from '../i18n/i18n.tsx';

/**
 * A rich-text field for an article's body: the browser's own editing (contentEditable) with a
 * toolbar for what the thread entries' allow-list keeps (src/desk/sanitize.ts): paragraphs,
 * headings, bold, italic, lists, links. Its value is HTML; the server sanitises it again whatever
 * is sent, so the editor needs no allow-list of its own. The replies' composer is a plain text
 * area, so there was nothing to reuse; no editor library is added.
 */
type Command = { key: 'bold' | 'italic' | 'heading' | 'bullets' | 'numbers' | 'link'; run: (url?: string) => void };

const exec = (command: string, value?: string) => document.execCommand(command, false, value);

const COMMANDS: Command[] = [
  { key: 'bold', run: () => exec('bold') },
  { key: 'italic', run: () => exec('italic') },
  { key: 'heading', run: () => exec('formatBlock', 'h2') },
  { key: 'bullets', run: () => exec('insertUnorderedList') },
  { key: 'numbers', run: () => exec('insertOrderedList') },
  { key: 'link', run: (url) => url && exec('createLink', url) },
];

export function RichTextEditor({ label, value, onChange }: { label: string; value: string; onChange: (html: string) => void }) {
  const { t } = useI18n();
  const id = useId();
  const editor = useRef<HTMLDivElement>(null);
  // The DOM is the editor's state while typing; a value from outside (another article) replaces it.
  useEffect(() => {
    if (editor.current && editor.current.innerHTML !== value) editor.current.innerHTML = value;
  }, [value]);
  const apply = (command: Command) => {
    editor.current?.focus();
    exec('defaultParagraphSeparator', 'p');
    const url = command.key === 'link' ? window.prompt(t('kb.editor.linkAddress'), 'https://') ?? undefined : undefined;
    command.run(url);
    if (editor.current) onChange(editor.current.innerHTML);
  };
  return (
    <div className="field">
      <span className="label" id={`${id}-label`}>
        {label}
      </span>
      <div className="rich-toolbar" role="toolbar" aria-label={t('kb.editor.formatting')} aria-controls={id}>
        {COMMANDS.map((command) => (
          // mousedown keeps the selection in the text while the button is pressed.
          <button key={command.key} type="button" className="button secondary" onMouseDown={(e) => e.preventDefault()} onClick={() => apply(command)}>
            {t(`kb.editor.${command.key}`)}
          </button>
        ))}
      </div>
      <div
        id={id}
        ref={editor}
        className="rich-text"
        role="textbox"
        aria-multiline="true"
        aria-labelledby={`${id}-label`}
        contentEditable
        suppressContentEditableWarning
        onFocus={() => exec('defaultParagraphSeparator', 'p')}
        onInput={(e) => onChange(e.currentTarget.innerHTML)}
      />
    </div>
  );
}
