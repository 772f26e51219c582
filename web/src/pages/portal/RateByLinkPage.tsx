import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useParams } from 'react-router';
import { api, get } from '../../api/client.ts';
import { ErrorMessage, Loading, Notice } from '../../components/ErrorMessage.tsx';
import { useI18n } from '../../i18n/i18n.tsx';
import { RatingQuestion, type RatingBody } from './RatingForm.tsx';

type LinkState = { number: string | null; subject: string; rating: number | null };

/**
 * The page a resolution mail's rating link opens, signed in or not (decision 0126): the ticket it
 * names and the question, once. An expired, used or foreign link says so in the reader's language.
 */
export function RateByLinkPage() {
  const { t } = useI18n();
  const { token = '' } = useParams();
  const client = useQueryClient();
  const path = `/api/v1/satisfaction-links/${encodeURIComponent(token)}`;
  const key = ['satisfaction-link', token];
  const state = useQuery({ queryKey: key, queryFn: () => get<LinkState>(path), retry: false });
  const rate = useMutation({ mutationFn: (body: RatingBody) => api<LinkState>('POST', path, body), onSuccess: (data) => client.setQueryData(key, data) });
  return (
    <main className="page narrow">
      <h1>{t('rating.title')}</h1>
      {state.isPending && <Loading />}
      {state.isError && <ErrorMessage error={state.error} />}
      {state.data && (
        <>
          <p>
            {state.data.number && <span className="mono">[{state.data.number}] </span>}
            {state.data.subject}
          </p>
          {state.data.rating !== null ? <Notice>{t('rating.thanks', { rating: state.data.rating })}</Notice> : <RatingQuestion rate={rate} />}
        </>
      )}
    </main>
  );
}
