-- The email channel (src/mail): a tenant's mailboxes, the messages seen in and out (idempotency
-- and threading), the quarantine of messages that could not become tickets, and the outbox columns
-- outbound mail needs for threading. Every table leads with tenant_id and is registered in
-- src/db/registry.ts, so row-level security protects it and tenant moves carry it.

-- A support address of a tenant. Addresses are unique per database here; across shards, adding a
-- mailbox checks every shard first (mail/mailboxes.ts). IMAP passwords and per-tenant SMTP relay
-- URLs are stored AES-256-GCM encrypted with a key derived from MAIL_SECRET (mail/secret-box.ts).
create table mailboxes (
  tenant_id integer,
  id uuid primary key default gen_random_uuid(),
  address text not null check (address = lower(address) and address like '%_@_%' and length(address) <= 320),
  name text not null default '' check (length(name) <= 200),
  -- The sender of outgoing mail for this address (default: the address itself).
  from_address text check (from_address is null or length(from_address) <= 320),
  help_topic_id uuid,
  department_id uuid,
  -- Unknown senders become customer contacts of the tenant, or their mail is refused (quarantined).
  accept_unknown_senders boolean not null default true,
  -- A new ticket opened by mail is acknowledged to its sender (never to automated mail).
  auto_reply boolean not null default true,
  imap_host text,
  imap_port integer check (imap_port is null or imap_port between 1 and 65535),
  imap_tls boolean not null default true,
  imap_user text,
  imap_password_enc text,
  imap_folder text not null default 'INBOX',
  -- After a message is committed: move it here (null: only mark it \Seen).
  imap_move_to text,
  smtp_url_enc text,
  active boolean not null default true,
  created_at timestamptz not null default now()
);
create unique index mailboxes_address on mailboxes (address);
create index mailboxes_tenant on mailboxes (tenant_id, address);

-- Every message received (direction 'in') or sent ('out'). `message_key` is the Message-ID without
-- angle brackets, or, when a message has none, `imap:<uidvalidity>:<uid>` (IMAP) or `sha256:<hex>`
-- of its bytes: the same message delivered twice (IMAP re-fetch, SMTP retry, pipe re-run) finds its
-- row and yields one ticket entry. Threading looks up In-Reply-To/References here, in the tenant only.
create table mail_messages (
  tenant_id integer,
  id uuid primary key default gen_random_uuid(),
  mailbox_id uuid references mailboxes (id) on delete cascade,
  direction text not null check (direction in ('in', 'out')),
  message_key text not null check (length(message_key) between 1 and 1000),
  transport text not null check (transport in ('smtp', 'imap', 'pipe', 'outbox')),
  imap_uid_validity bigint,
  imap_uid bigint,
  sender text not null default '',
  -- What became of it: ticket (opened one), reply (joined one), duplicate-free outcomes only.
  outcome text not null check (outcome in ('ticket', 'reply', 'quarantined', 'rejected', 'sent')),
  ticket_id uuid references tickets (id) on delete set null,
  thread_entry_id uuid,
  flagged boolean not null default false,
  automated boolean not null default false,
  created_at timestamptz not null default now()
);
create unique index mail_messages_key on mail_messages (tenant_id, mailbox_id, direction, message_key) nulls not distinct;
create index mail_messages_thread on mail_messages (tenant_id, message_key);
create index mail_messages_sender on mail_messages (tenant_id, sender, created_at) where direction = 'in';

-- Messages kept raw because they could not become a ticket entry: unparseable, over a size limit,
-- refused (unknown sender, rate limit), or failing with a non-transient error. Never dropped.
create table mail_quarantine (
  tenant_id integer,
  id uuid primary key default gen_random_uuid(),
  mailbox_id uuid references mailboxes (id) on delete set null,
  reason text not null check (length(reason) between 1 and 1000),
  transport text not null check (transport in ('smtp', 'imap', 'pipe')),
  sender text not null default '',
  subject text not null default '',
  raw bytea not null,
  raw_sha256 text not null,
  size integer not null,
  created_at timestamptz not null default now(),
  released_at timestamptz
);
create unique index mail_quarantine_raw on mail_quarantine (tenant_id, raw_sha256);
create index mail_quarantine_open on mail_quarantine (tenant_id, created_at desc) where released_at is null;

-- Outbound mail: which mailbox sends it, which ticket it is about, and the threading headers.
alter table mail_outbox
  add column mailbox_id uuid references mailboxes (id) on delete set null,
  add column ticket_id uuid references tickets (id) on delete set null,
  add column kind text not null default 'notice',
  add column message_id text,
  add column in_reply_to text,
  add column references_ids text[] not null default '{}',
  add column body_html text,
  add column auto_submitted boolean not null default false,
  add column last_error text;
