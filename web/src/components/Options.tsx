import type { Choice } from '../api/types.ts';

export type Option = { value: string; label: string };

/** The options of a select: an optional empty choice first, then the items. */
export function Options({ items, empty }: { items: Option[]; empty?: string }) {
  return (
    <>
      {empty !== undefined && <option value="">{empty}</option>}
      {items.map((item) => (
        <option key={item.value} value={item.value}>
          {item.label}
        </option>
      ))}
    </>
  );
}

/** Lookup choices (GET /api/v1/lookups/...) as options. */
export const choiceOptions = (choices: Choice[] | undefined): Option[] => (choices ?? []).map((c) => ({ value: c.id, label: c.label }));

/** Tenants as options, by slug. */
export const tenantOptions = (tenants: { slug: string; name: string }[] | undefined): Option[] => (tenants ?? []).map((t) => ({ value: t.slug, label: t.name }));
