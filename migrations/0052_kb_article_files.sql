-- Files attached to knowledge-base articles (issue 22): kept in the attachment store (the file
-- under its tenant's directory, named by the row's id) and counted against the same storage quota
-- as tickets' attachments. The row follows its article: the same tenant (null for a public
-- article, whose file is kept and counted under the service provider), and who may download it is
-- who may read the article (src/desk/kb/article-files.ts).
create table kb_article_files (
  id uuid primary key default gen_random_uuid(),
  tenant_id integer,
  article_id uuid not null references kb_articles (id) on delete cascade,
  filename text not null check (length(filename) between 1 and 255),
  content_type text not null check (length(content_type) between 1 and 255),
  size integer not null check (size >= 0),
  sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
  uploaded_by uuid,
  created_at timestamptz not null default now()
);
create index kb_article_files_article on kb_article_files (tenant_id, article_id);
