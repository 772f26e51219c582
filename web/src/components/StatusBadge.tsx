import type { TicketState } from '../api/types.ts';
import { useI18n } from '../i18n/i18n.tsx';

export function StatusBadge({ state }: { state: TicketState }) {
  const { t } = useI18n();
  return <span className={`badge badge-${state}`}>{t(`state.${state}`)}</span>;
}
