import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { useSavedViewActions, useSavedViews, type SavedView } from '../../api/queue-tools-queries.ts';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { useI18n } from '../../i18n/i18n.tsx';

/** The queue's filters a view keeps: the address's own names (the API refuses any other). */
const KEPT = ['view', 'status', 'q', 'department', 'tenant', 'sort', 'order'] as const;

const filtersOf = (params: URLSearchParams): Record<string, string> => Object.fromEntries(KEPT.flatMap((name) => (params.get(name) ? [[name, params.get(name)!]] : [])));
const addressOf = (filters: Record<string, string>) => `/queue?${new URLSearchParams(filters).toString()}`;
const sameFilters = (a: Record<string, string>, b: Record<string, string>) => KEPT.every((name) => (a[name] ?? '') === (b[name] ?? ''));

/**
 * The agent's personal queues beside the queue: each saved view opens the queue with its filters;
 * it can be renamed or deleted, and the queue as filtered now can be saved under a name. The API
 * keeps them to their owner, so this list is the caller's alone.
 */
export function SavedViews({ params }: { params: URLSearchParams }) {
  const { t } = useI18n();
  const views = useSavedViews();
  const [said, setSaid] = useState('');
  const current = filtersOf(params);

  return (
    <nav className="saved-views card" aria-labelledby="views-title">
      <h2 id="views-title" className="small-heading">
        {t('views.title')}
      </h2>
      <p className="muted small">{t('views.personal')}</p>
      {views.isError && <ErrorMessage error={views.error} onRetry={() => void views.refetch()} />}
      {views.data && views.data.length === 0 && <p className="muted small">{t('views.none')}</p>}
      <ul className="saved-view-list">
        {views.data?.map((view) => (
          <ViewItem
            key={view.id}
            view={view}
            active={sameFilters(view.filters, current)}
            onDeleted={() => setSaid(t('views.deleted', { name: view.name }))}
          />
        ))}
      </ul>
      <SaveViewForm filters={current} onSaved={(name) => setSaid(t('views.saved', { name }))} />
      <p className="visually-hidden" role="status">
        {said}
      </p>
    </nav>
  );
}

function ViewItem({ view, active, onDeleted }: { view: SavedView; active: boolean; onDeleted(): void }) {
  const { t } = useI18n();
  const { rename, remove } = useSavedViewActions();
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState(view.name);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    rename.mutate({ id: view.id, name }, { onSuccess: () => setEditing(false) });
  };
  if (editing) {
    return (
      <li>
        <form className="inline-form" onSubmit={submit} onKeyDown={(e) => e.key === 'Escape' && setEditing(false)}>
          <label className="inline-field">
            <span className="visually-hidden">{t('views.name')}</span>
            <input name="name" aria-label={t('views.name')} value={name} onChange={(e) => setName(e.target.value)} required maxLength={80} autoFocus />
          </label>
          <button type="submit" className="button" disabled={rename.isPending}>
            {t('views.renameSubmit')}
          </button>
          <button type="button" className="button secondary" onClick={() => setEditing(false)}>
            {t('actions.cancel')}
          </button>
          {rename.isError && <ErrorMessage error={rename.error} />}
        </form>
      </li>
    );
  }
  return (
    <li className={active ? 'active' : undefined}>
      <Link to={addressOf(view.filters)} aria-current={active ? 'page' : undefined}>
        {view.name}
      </Link>
      <button
        type="button"
        className="link-button"
        onClick={() => {
          setName(view.name);
          setEditing(true);
        }}
      >
        {t('views.renameButton')}
        <span className="visually-hidden"> {view.name}</span>
      </button>
      <button type="button" className="link-button" disabled={remove.isPending} onClick={() => remove.mutate(view, { onSuccess: onDeleted })}>
        {t('views.deleteButton')}
        <span className="visually-hidden"> {view.name}</span>
      </button>
      {remove.isError && <ErrorMessage error={remove.error} />}
    </li>
  );
}

function SaveViewForm({ filters, onSaved }: { filters: Record<string, string>; onSaved(name: string): void }) {
  const { t } = useI18n();
  const { save } = useSavedViewActions();
  const [name, setName] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate(
      { name, filters },
      {
        onSuccess: (view) => {
          setName('');
          onSaved(view.name);
        },
      },
    );
  };
  return (
    <form className="inline-form" onSubmit={submit} aria-label={t('views.save')}>
      <label className="inline-field">
        <span>{t('views.name')}</span>
        <input name="name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={80} />
      </label>
      <button type="submit" className="button secondary" disabled={save.isPending}>
        {t('views.saveSubmit')}
      </button>
      {save.isError && <ErrorMessage error={save.error} />}
    </form>
  );
}
