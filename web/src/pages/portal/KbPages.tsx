import { useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router';
import { useKbArticle, useKbArticles, useKbCategories, useKbFeedback, useKbSearch, type KbHit } from '../../api/kb-queries.ts';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { useI18n } from '../../i18n/i18n.tsx';

/** Links to articles, by slug: search hits or a category's articles. */
export function ArticleLinks({ items }: { items: Pick<KbHit, 'id' | 'slug' | 'title' | 'summary'>[] }) {
  return (
    <ul className="kb-list">
      {items.map((a) => (
        <li key={a.id}>
          <Link to={`/kb/${a.slug}`}>{a.title}</Link>
          {a.summary && <p className="muted">{a.summary}</p>}
        </li>
      ))}
    </ul>
  );
}

/** `/kb`: search, categories, and the articles of the chosen one (all by default). */
export function KbPage() {
  const { t } = useI18n();
  const [typed, setTyped] = useState('');
  const [q, setQ] = useState('');
  const [category, setCategory] = useState<string | undefined>(undefined);
  const categories = useKbCategories();
  const articles = useKbArticles(category);
  const search = useKbSearch(q);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setQ(typed);
  };
  return (
    <div className="narrow">
      <h1>{t('kb.title')}</h1>
      <form className="card form" role="search" onSubmit={submit}>
        <label>
          <span>{t('kb.search')}</span>
          <input type="search" name="q" minLength={3} maxLength={200} value={typed} onChange={(e) => setTyped(e.target.value)} />
        </label>
        <button type="submit" className="button">
          {t('kb.searchButton')}
        </button>
      </form>
      {search.isError && <ErrorMessage error={search.error} />}
      {search.data && (
        <section className="card" aria-live="polite">
          {search.data.items.length ? <ArticleLinks items={search.data.items} /> : <p>{t('kb.noResult')}</p>}
        </section>
      )}
      {(categories.data?.items.length ?? 0) > 0 && (
        <nav aria-label={t('kb.categories')} className="kb-categories">
          <button type="button" className="link" aria-pressed={category === undefined} onClick={() => setCategory(undefined)}>
            {t('kb.allCategories')}
          </button>
          {categories.data!.items.map((c) => (
            <button key={c.id} type="button" className="link" aria-pressed={category === c.id} onClick={() => setCategory(c.id)}>
              {c.name}
            </button>
          ))}
        </nav>
      )}
      <section className="card">
        <h2>{t('kb.latest')}</h2>
        {articles.isError && <ErrorMessage error={articles.error} />}
        {articles.data && (articles.data.items.length ? <ArticleLinks items={articles.data.items} /> : <p>{t('kb.none')}</p>)}
      </section>
    </div>
  );
}

/** `/kb/:slug`: one article, and "Was this helpful?". Its HTML was sanitised when it was saved. */
export function KbArticlePage() {
  const { t, formatDate } = useI18n();
  const { slug = '' } = useParams();
  const article = useKbArticle(slug);
  const feedback = useKbFeedback(article.data?.id ?? '');
  return (
    <div className="narrow">
      <p>
        <Link to="/kb">{t('kb.back')}</Link>
      </p>
      {article.isError && <ErrorMessage error={article.error} />}
      {article.data && (
        <article className="card" lang={article.data.language}>
          <h1>{article.data.title}</h1>
          <p className="muted">{formatDate(article.data.updatedAt)}</p>
          <div className="entry-body" dangerouslySetInnerHTML={{ __html: article.data.bodyHtml }} />
          <footer className="kb-feedback">
            {feedback.isSuccess ? (
              <p role="status">{t('kb.thanks')}</p>
            ) : (
              <>
                <span>{t('kb.helpful')}</span>
                <button type="button" className="button" disabled={feedback.isPending} onClick={() => feedback.mutate(true)}>
                  {t('kb.yes')}
                </button>
                <button type="button" className="button" disabled={feedback.isPending} onClick={() => feedback.mutate(false)}>
                  {t('kb.no')}
                </button>
              </>
            )}
            {feedback.isError && <ErrorMessage error={feedback.error} />}
          </footer>
        </article>
      )}
    </div>
  );
}
