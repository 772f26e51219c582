import type { ReactNode } from 'react';
import type { UseQueryResult } from '@tanstack/react-query';
import { QueryView } from '../../components/QueryView.tsx';

/** A titled box beside the ticket's conversation (collaborators, links and merge). */
export function SidePanel({ id, title, children }: { id: string; title: string; children: ReactNode }) {
  return (
    <section className="card side-panel" aria-labelledby={id}>
      <h3 id={id}>{title}</h3>
      {children}
    </section>
  );
}

/** The items a query reads as a list: loading, its error, `empty` when there are none, else `item` each. */
export function QueryList<T extends { id: string }>({ query, empty, className, item }: { query: UseQueryResult<T[]>; empty: string; className: string; item(value: T): ReactNode }) {
  return (
    <QueryView query={query} retry={false} isEmpty={(data) => data.length === 0} empty={<p className="muted small">{empty}</p>}>
      {(data) => (
        <ul className={`plain-list ${className}`}>
          {data.map((value) => (
            <li key={value.id}>{item(value)}</li>
          ))}
        </ul>
      )}
    </QueryView>
  );
}
