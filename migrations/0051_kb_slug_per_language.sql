-- A knowledge-base slug names one article per tenant AND language (issue 22): the French and the
-- English translation of an article may share "reset-your-password", each at /kb/:slug in its own
-- language. Public articles (no tenant) are one scope among themselves. The index is named
-- `<table>_<column>_key` so a refused write names the field (src/db/errors.ts); the use cases check
-- first and say SLUG_TAKEN, this catches two editors saving at once.
drop index kb_articles_slug;
create unique index kb_articles_slug_key on kb_articles (coalesce(tenant_id, 0), language, slug);
