-- The knowledge base (issue 22): categories and articles are tenant-optional (a null tenant is the
-- service provider's public row, read by every tenant), their versions follow their article, and
-- what readers do with them (views, searches, deflections, votes) is counted per reading tenant.
-- References across tenants (a tenant's article in a public category, a translation of a public
-- article, an author of the service provider) are not foreign keys: in a silo their targets live in
-- the pool (migration 0008); the data-access layer checks them on every write.

create table kb_categories (
  id uuid primary key default gen_random_uuid(),
  tenant_id integer,
  parent_id uuid,
  name text not null check (length(name) between 1 and 200),
  slug text not null check (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' and length(slug) <= 100),
  position integer not null default 0,
  created_at timestamptz not null default now(),
  check (parent_id is distinct from id)
);
create index kb_categories_tenant on kb_categories (tenant_id, position, name);

-- The text search configuration of an article's language: English and French are stemmed, every
-- other language is searched word for word ('simple'). Immutable, so a generated column may use it.
create function kb_search_config(language text) returns regconfig language sql immutable parallel safe
  as $$ select case when language like 'en%' then 'english'::regconfig when language like 'fr%' then 'french'::regconfig else 'simple'::regconfig end $$;

create table kb_articles (
  id uuid primary key default gen_random_uuid(),
  tenant_id integer,
  category_id uuid,
  -- The article this one translates (always the first of its family), or null for an original.
  translation_of uuid,
  language text not null default 'en' check (language ~ '^[a-z]{2,3}(-[a-z0-9]{2,8})?$'),
  slug text not null check (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' and length(slug) <= 120),
  title text not null check (length(title) between 1 and 300),
  summary text not null default '' check (length(summary) <= 1000),
  keywords text not null default '' check (length(keywords) <= 1000),
  body_html text not null check (length(body_html) <= 200000),
  status text not null default 'draft' check (status in ('draft', 'published', 'archived')),
  visibility text not null default 'customers' check (visibility in ('public', 'customers', 'agents')),
  author_id uuid,
  reviewer_id uuid,
  version integer not null default 1 check (version >= 1),
  published_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  -- Weights (docs/decisions/0141): title A, summary and keywords B, body D; ts_rank's defaults
  -- {D 0.1, C 0.2, B 0.4, A 1.0} then rank a title match ten times a body match.
  search tsvector generated always as (
    setweight(to_tsvector(kb_search_config(language), title), 'A')
    || setweight(to_tsvector(kb_search_config(language), summary || ' ' || keywords), 'B')
    || setweight(to_tsvector(kb_search_config(language), regexp_replace(body_html, '<[^>]*>', ' ', 'g')), 'D')
  ) stored
);
-- A slug names one article within its tenant (public rows among themselves).
create unique index kb_articles_slug on kb_articles (coalesce(tenant_id, 0), slug);
create index kb_articles_tenant on kb_articles (tenant_id, status, updated_at desc);
create index kb_articles_search on kb_articles using gin (search);

-- Every saved state of an article's text, numbered from 1: the history and its diffs.
create table kb_article_versions (
  id uuid primary key default gen_random_uuid(),
  tenant_id integer,
  article_id uuid not null references kb_articles (id) on delete cascade,
  version integer not null check (version >= 1),
  title text not null,
  summary text not null,
  keywords text not null,
  body_html text not null,
  edited_by uuid,
  created_at timestamptz not null default now(),
  unique (article_id, version)
);
create index kb_article_versions_tenant on kb_article_versions (tenant_id, article_id, version);

-- What readers did, in the tenant whose host they read at: the reports' raw material. The article
-- may be the tenant's own, a tenant's above it or public, so it is no foreign key.
create table kb_events (
  tenant_id integer not null,
  id uuid not null default gen_random_uuid(),
  kind text not null check (kind in ('view', 'search', 'deflection', 'feedback')),
  article_id uuid,
  query text check (length(query) <= 200),
  results integer,
  helpful boolean,
  created_at timestamptz not null default now(),
  primary key (tenant_id, id)
);
create index kb_events_tenant on kb_events (tenant_id, kind, created_at);

-- Who writes articles: agents draft them (kb.write), administrators also publish (kb.publish).
update roles set permissions = permissions || '{kb.write}'
where tenant_id is null and slug in ('sp-admin', 'sp-agent', 'tenant-admin', 'agent') and not ('kb.write' = any (permissions));
update roles set permissions = permissions || '{kb.publish}'
where tenant_id is null and slug in ('sp-admin', 'tenant-admin') and not ('kb.publish' = any (permissions));
