import type { ReactNode } from 'react';
import { ErrorMessage, Loading } from './ErrorMessage.tsx';

type QueryState<T> = { isPending: boolean; isError: boolean; error: unknown; data: T | undefined; refetch: () => unknown };

/**
 * What a screen shows for one query: a loading line, its error with a retry, the `empty` notice when
 * `isEmpty` says the data is empty, else `children` with the data.
 */
export function QueryView<T>({ query, isEmpty, empty, retry = true, children }: { query: QueryState<T>; isEmpty?: (data: T) => boolean; empty?: ReactNode; retry?: boolean; children: (data: T) => ReactNode }) {
  if (query.isPending) return <Loading />;
  if (query.isError || query.data === undefined) return <ErrorMessage error={query.error} {...(retry ? { onRetry: () => void query.refetch() } : {})} />;
  if (isEmpty?.(query.data)) return <>{empty}</>;
  return <>{children(query.data)}</>;
}
