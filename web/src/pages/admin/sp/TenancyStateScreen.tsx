import { useTenancyState } from '../../../api/admin-queries.ts';
import type { TenancyState } from '../../../api/admin-types.ts';
import { QueryView } from '../../../components/QueryView.tsx';
import { useI18n } from '../../../i18n/i18n.tsx';

/** The installation's multi-tenancy state, read-only: settings, catalog version, shards and their tenants, moves. */
export function TenancyStateScreen() {
  return <QueryView query={useTenancyState()}>{(state) => <TenancyStateView s={state} />}</QueryView>;
}

function TenancyStateView({ s }: { s: TenancyState }) {
  const { t, formatDate } = useI18n();
  return (
    <section>
      <h2>{t('sp.state')}</h2>
      <p className="muted small">{t('sp.refreshHint')}</p>
      <dl className="facts card">
        <dt>{t('sp.mode')}</dt>
        <dd data-state={s.state}>{t(`sp.mode.${s.state}`)}</dd>
        <dt>{t('sp.untenanted')}</dt>
        <dd className="mono">{s.untenanted}</dd>
        <dt>{t('sp.catalogVersion')}</dt>
        <dd className="mono">{s.catalogVersion}</dd>
        <dt>{t('sp.tenantCount')}</dt>
        <dd>{s.tenantCount}</dd>
        <dt>{t('sp.maxDepth')}</dt>
        <dd>{s.maxDepth}</dd>
        <dt>{t('sp.maxTenants')}</dt>
        <dd>{s.maxTenants ?? t('sp.unlimited')}</dd>
      </dl>
      <h3>{t('sp.shards')}</h3>
      <table className="tickets">
        <thead>
          <tr>
            <th scope="col">{t('sp.shard')}</th>
            <th scope="col">{t('sp.kind')}</th>
            <th scope="col">{t('sp.location')}</th>
            <th scope="col">{t('sp.tenants')}</th>
          </tr>
        </thead>
        <tbody>
          {s.shards.map((shard) => (
            <tr key={shard.name} data-shard={shard.name}>
              <th scope="row" className="mono">
                {shard.name}
              </th>
              <td data-label={t('sp.kind')}>{t(shard.kind === 'silo' ? 'sp.silo' : 'sp.pool')}</td>
              <td data-label={t('sp.location')} className="mono small">
                {shard.location}
              </td>
              <td data-label={t('sp.tenants')}>
                {shard.tenants.map((slug) => (
                  <span key={slug} className="tag">
                    {slug}
                  </span>
                ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>{t('sp.moves')}</h3>
      {s.moves.length === 0 ? (
        <p className="empty">{t('sp.noMoves')}</p>
      ) : (
        <table className="tickets">
          <thead>
            <tr>
              <th scope="col">{t('ticket.tenant')}</th>
              <th scope="col">{t('sp.from')}</th>
              <th scope="col">{t('sp.to')}</th>
              <th scope="col">{t('sp.phase')}</th>
              <th scope="col">{t('sp.started')}</th>
            </tr>
          </thead>
          <tbody>
            {s.moves.map((m) => (
              <tr key={m.tenant}>
                <th scope="row">{m.tenant}</th>
                <td data-label={t('sp.from')}>{m.from}</td>
                <td data-label={t('sp.to')}>{m.to}</td>
                <td data-label={t('sp.phase')}>{m.phase}</td>
                <td data-label={t('sp.started')}>{formatDate(m.startedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
