import { useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient, type UseMutationResult } from '@tanstack/react-query';
import { api, get } from '../../api/client.ts';
import { keys } from '../../api/queries.ts';
import { ErrorMessage, Notice } from '../../components/ErrorMessage.tsx';
import { Field } from '../../components/Field.tsx';
import { useI18n } from '../../i18n/i18n.tsx';

type RatingState = { canRate: boolean; rating: number | null; comment: string | null };
export type RatingBody = { rating: number; comment?: string };

/** The requester's rating of a resolved ticket: one question (1 to 5) and an optional comment (decision 0123). */
export function RatingForm({ ticketId, status }: { ticketId: string; status: string }) {
  const { t } = useI18n();
  const client = useQueryClient();
  const path = `/api/v1/tickets/${encodeURIComponent(ticketId)}/satisfaction`;
  const key = [...keys.scoped, 'ticket', ticketId, 'satisfaction'];
  const state = useQuery({ queryKey: [...key, status], queryFn: () => get<RatingState>(path), enabled: status === 'resolved' || status === 'closed' });
  const rate = useMutation({ mutationFn: (body: RatingBody) => api('POST', path, body), onSuccess: () => client.invalidateQueries({ queryKey: key }) });
  if (!state.data) return null;
  if (state.data.rating !== null) return <Notice>{t('rating.thanks', { rating: state.data.rating })}</Notice>;
  if (!state.data.canRate) return null;
  return <RatingQuestion rate={rate} />;
}

/** The question itself, sent by `rate` (the portal's ticket page, or a rating link of a resolution mail). */
export function RatingQuestion({ rate }: { rate: UseMutationResult<unknown, Error, RatingBody> }) {
  const { t } = useI18n();
  const [rating, setRating] = useState(0);
  const [comment, setComment] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (rating) rate.mutate({ rating, ...(comment.trim() ? { comment: comment.trim() } : {}) });
  };
  return (
    <form className="card form" onSubmit={submit} aria-label={t('rating.title')}>
      <fieldset className="segmented">
        <legend>{t('rating.question')}</legend>
        {[1, 2, 3, 4, 5].map((n) => (
          <label key={n} className="segment">
            <input type="radio" name="rating" value={n} checked={rating === n} onChange={() => setRating(n)} required />
            {t(`rating.${n}` as 'rating.1')}
          </label>
        ))}
      </fieldset>
      <Field label={t('rating.comment')}>
        <textarea rows={3} maxLength={2000} value={comment} onChange={(e) => setComment(e.target.value)} />
      </Field>
      {rate.isError && <ErrorMessage error={rate.error} />}
      <button type="submit" className="button" disabled={rate.isPending || !rating}>
        {t('rating.send')}
      </button>
    </form>
  );
}
