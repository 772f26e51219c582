import type { Connection } from 'mysql2/promise';

/**
 * osTicket-shaped databases for the import tests, written by us from osTicket's documented tables
 * (1.14-1.18): the tables and columns the importer reads, plus a latin1 column as old installs
 * have. Not osTicket's installer; a builder fills them with a few tickets per tenant.
 */
export const SIGNATURE_1_18 = '5fb92bef17f3b603659e024c01cc7a59';

const DDL = `
CREATE TABLE ost_config (id INT UNSIGNED AUTO_INCREMENT PRIMARY KEY, namespace VARCHAR(64) NOT NULL, \`key\` VARCHAR(64) NOT NULL, value TEXT NOT NULL, UNIQUE (namespace, \`key\`));
CREATE TABLE ost_department (id INT UNSIGNED AUTO_INCREMENT PRIMARY KEY, pid INT UNSIGNED NULL, sla_id INT UNSIGNED NOT NULL DEFAULT 0, name VARCHAR(128) NOT NULL DEFAULT '', ispublic TINYINT(1) NOT NULL DEFAULT 1, created DATETIME NOT NULL, updated DATETIME NOT NULL);
CREATE TABLE ost_staff (staff_id INT UNSIGNED AUTO_INCREMENT PRIMARY KEY, dept_id INT UNSIGNED NOT NULL DEFAULT 0, role_id INT UNSIGNED NOT NULL DEFAULT 0, username VARCHAR(32) NOT NULL, firstname VARCHAR(32), lastname VARCHAR(32), passwd VARCHAR(128), email VARCHAR(128), isactive TINYINT(1) NOT NULL DEFAULT 1, isadmin TINYINT(1) NOT NULL DEFAULT 0, created DATETIME NOT NULL, updated DATETIME NOT NULL);
CREATE TABLE ost_staff_dept_access (staff_id INT UNSIGNED NOT NULL, dept_id INT UNSIGNED NOT NULL, role_id INT UNSIGNED NOT NULL DEFAULT 0, flags INT UNSIGNED NOT NULL DEFAULT 1, PRIMARY KEY (staff_id, dept_id));
CREATE TABLE ost_team (team_id INT UNSIGNED AUTO_INCREMENT PRIMARY KEY, lead_id INT UNSIGNED NOT NULL DEFAULT 0, flags INT UNSIGNED NOT NULL DEFAULT 1, name VARCHAR(125) NOT NULL, created DATETIME NOT NULL, updated DATETIME NOT NULL);
CREATE TABLE ost_team_member (team_id INT UNSIGNED NOT NULL, staff_id INT UNSIGNED NOT NULL, PRIMARY KEY (team_id, staff_id));
CREATE TABLE ost_organization (id INT UNSIGNED AUTO_INCREMENT PRIMARY KEY, name VARCHAR(128) NOT NULL DEFAULT '', domain VARCHAR(256) NOT NULL DEFAULT '', created TIMESTAMP NULL, updated TIMESTAMP NULL);
CREATE TABLE ost_user (id INT UNSIGNED AUTO_INCREMENT PRIMARY KEY, org_id INT UNSIGNED NOT NULL DEFAULT 0, default_email_id INT NOT NULL, status INT UNSIGNED NOT NULL DEFAULT 0, name VARCHAR(128) NOT NULL, created DATETIME NOT NULL, updated DATETIME NOT NULL);
CREATE TABLE ost_user_email (id INT UNSIGNED AUTO_INCREMENT PRIMARY KEY, user_id INT UNSIGNED NOT NULL, flags INT UNSIGNED NOT NULL DEFAULT 0, address VARCHAR(128) NOT NULL UNIQUE);
CREATE TABLE ost_sla (id INT UNSIGNED AUTO_INCREMENT PRIMARY KEY, isactive TINYINT(1) NOT NULL DEFAULT 1, grace_period INT UNSIGNED NOT NULL DEFAULT 0, name VARCHAR(64) NOT NULL, created DATETIME NOT NULL, updated DATETIME NOT NULL);
CREATE TABLE ost_help_topic (topic_id INT UNSIGNED AUTO_INCREMENT PRIMARY KEY, topic_pid INT UNSIGNED NOT NULL DEFAULT 0, isactive TINYINT(1) NOT NULL DEFAULT 1, ispublic TINYINT(1) NOT NULL DEFAULT 1, priority_id INT UNSIGNED NOT NULL DEFAULT 0, dept_id INT UNSIGNED NOT NULL DEFAULT 0, staff_id INT UNSIGNED NOT NULL DEFAULT 0, team_id INT UNSIGNED NOT NULL DEFAULT 0, sla_id INT UNSIGNED NOT NULL DEFAULT 0, topic VARCHAR(32) NOT NULL, created DATETIME NOT NULL, updated DATETIME NOT NULL);
CREATE TABLE ost_ticket_status (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(60) NOT NULL UNIQUE, state VARCHAR(16), mode INT UNSIGNED NOT NULL DEFAULT 0, flags INT UNSIGNED NOT NULL DEFAULT 0, sort INT UNSIGNED NOT NULL DEFAULT 0, properties TEXT NOT NULL, created DATETIME NOT NULL, updated DATETIME NOT NULL);
CREATE TABLE ost_ticket_priority (priority_id TINYINT AUTO_INCREMENT PRIMARY KEY, priority VARCHAR(60) NOT NULL UNIQUE, priority_desc VARCHAR(30) NOT NULL DEFAULT '', priority_color VARCHAR(7) NOT NULL DEFAULT '', priority_urgency TINYINT UNSIGNED NOT NULL DEFAULT 0, ispublic TINYINT(1) NOT NULL DEFAULT 1);
CREATE TABLE ost_ticket (ticket_id INT UNSIGNED AUTO_INCREMENT PRIMARY KEY, ticket_pid INT UNSIGNED NULL, number VARCHAR(20), user_id INT UNSIGNED NOT NULL DEFAULT 0, user_email_id INT UNSIGNED NOT NULL DEFAULT 0, status_id INT UNSIGNED NOT NULL DEFAULT 0, dept_id INT UNSIGNED NOT NULL DEFAULT 0, sla_id INT UNSIGNED NOT NULL DEFAULT 0, topic_id INT UNSIGNED NOT NULL DEFAULT 0, staff_id INT UNSIGNED NOT NULL DEFAULT 0, team_id INT UNSIGNED NOT NULL DEFAULT 0, flags INT UNSIGNED NOT NULL DEFAULT 0, source ENUM('Web','Email','Phone','API','Other') NOT NULL DEFAULT 'Other', isoverdue TINYINT(1) NOT NULL DEFAULT 0, duedate DATETIME NULL, est_duedate DATETIME NULL, closed DATETIME NULL, lastupdate DATETIME NULL, created DATETIME NOT NULL, updated DATETIME NOT NULL);
CREATE TABLE ost_ticket__cdata (ticket_id INT UNSIGNED PRIMARY KEY, subject MEDIUMTEXT, priority MEDIUMTEXT);
CREATE TABLE ost_thread (id INT UNSIGNED AUTO_INCREMENT PRIMARY KEY, object_id INT UNSIGNED NOT NULL, object_type CHAR(1) NOT NULL, extra TEXT, created DATETIME NOT NULL, KEY object_id (object_id), KEY object_type (object_type));
CREATE TABLE ost_thread_entry (id INT UNSIGNED AUTO_INCREMENT PRIMARY KEY, pid INT UNSIGNED NOT NULL DEFAULT 0, thread_id INT UNSIGNED NOT NULL DEFAULT 0, staff_id INT UNSIGNED NOT NULL DEFAULT 0, user_id INT UNSIGNED NOT NULL DEFAULT 0, type CHAR(1) NOT NULL DEFAULT '', flags INT UNSIGNED NOT NULL DEFAULT 0, poster VARCHAR(128) CHARACTER SET latin1 NOT NULL DEFAULT '', source VARCHAR(32) NOT NULL DEFAULT '', title VARCHAR(255), body TEXT NOT NULL, format VARCHAR(16) NOT NULL DEFAULT 'html', created DATETIME NOT NULL, updated DATETIME NOT NULL, KEY thread_id (thread_id));
CREATE TABLE ost_thread_collaborator (id INT UNSIGNED AUTO_INCREMENT PRIMARY KEY, isactive TINYINT(1) NOT NULL DEFAULT 1, thread_id INT UNSIGNED NOT NULL, user_id INT UNSIGNED NOT NULL, role CHAR(1) NOT NULL DEFAULT 'M', created DATETIME NOT NULL, updated DATETIME NOT NULL, KEY thread_id (thread_id));
CREATE TABLE ost_file (id INT AUTO_INCREMENT PRIMARY KEY, ft CHAR(1) NOT NULL DEFAULT 'T', bk CHAR(1) NOT NULL DEFAULT 'D', type VARCHAR(255) NOT NULL DEFAULT '', size BIGINT UNSIGNED NOT NULL DEFAULT 0, \`key\` VARCHAR(86) NOT NULL, signature VARCHAR(86) NOT NULL, name VARCHAR(255) NOT NULL DEFAULT '', created DATETIME NOT NULL);
CREATE TABLE ost_file_chunk (file_id INT NOT NULL, chunk_id INT NOT NULL, filedata LONGBLOB NOT NULL, PRIMARY KEY (file_id, chunk_id));
CREATE TABLE ost_attachment (id INT UNSIGNED AUTO_INCREMENT PRIMARY KEY, object_id INT UNSIGNED NOT NULL, type CHAR(1) NOT NULL, file_id INT UNSIGNED NOT NULL, inline TINYINT(1) NOT NULL DEFAULT 0, KEY object_id (object_id, type));
CREATE TABLE ost_form_field (id INT UNSIGNED AUTO_INCREMENT PRIMARY KEY, form_id INT UNSIGNED NOT NULL, type VARCHAR(255) NOT NULL DEFAULT 'text', label VARCHAR(255) NOT NULL, name VARCHAR(64) NOT NULL, sort INT UNSIGNED NOT NULL, created DATETIME NOT NULL, updated DATETIME NOT NULL);
CREATE TABLE ost_form_entry (id INT UNSIGNED AUTO_INCREMENT PRIMARY KEY, form_id INT UNSIGNED NOT NULL, object_id INT UNSIGNED, object_type CHAR(1) NOT NULL DEFAULT 'T', sort INT UNSIGNED NOT NULL DEFAULT 1, created DATETIME NOT NULL, updated DATETIME NOT NULL, KEY object_id (object_id, object_type));
CREATE TABLE ost_form_entry_values (entry_id INT UNSIGNED NOT NULL, field_id INT UNSIGNED NOT NULL, value TEXT, value_id INT, PRIMARY KEY (entry_id, field_id));
CREATE TABLE ost_faq_category (category_id INT UNSIGNED AUTO_INCREMENT PRIMARY KEY, category_pid INT UNSIGNED NULL, ispublic TINYINT(1) UNSIGNED NOT NULL DEFAULT 0, name VARCHAR(125), description TEXT NOT NULL, notes TINYTEXT NOT NULL, created DATETIME NOT NULL, updated DATETIME NOT NULL);
CREATE TABLE ost_faq (faq_id INT UNSIGNED AUTO_INCREMENT PRIMARY KEY, category_id INT UNSIGNED NOT NULL DEFAULT 0, ispublished TINYINT(1) UNSIGNED NOT NULL DEFAULT 0, question VARCHAR(255) NOT NULL, answer TEXT NOT NULL, keywords TINYTEXT, notes TEXT, created DATETIME NOT NULL, updated DATETIME NOT NULL);
CREATE TABLE ost_faq_topic (faq_id INT UNSIGNED NOT NULL, topic_id INT UNSIGNED NOT NULL, PRIMARY KEY (faq_id, topic_id));
CREATE TABLE ost_email (email_id INT UNSIGNED AUTO_INCREMENT PRIMARY KEY, noautoresp TINYINT(1) UNSIGNED NOT NULL DEFAULT 0, priority_id TINYINT UNSIGNED NOT NULL DEFAULT 2, dept_id INT UNSIGNED NOT NULL DEFAULT 0, topic_id INT UNSIGNED NOT NULL DEFAULT 0, email VARCHAR(255) NOT NULL DEFAULT '', name VARCHAR(255) NOT NULL DEFAULT '', userid VARCHAR(255) NOT NULL, userpass VARCHAR(255) CHARACTER SET ascii NOT NULL, mail_active TINYINT(1) NOT NULL DEFAULT 0, mail_host VARCHAR(255) NOT NULL DEFAULT '', created DATETIME NOT NULL, updated DATETIME NOT NULL);
CREATE TABLE ost_canned_response (canned_id INT UNSIGNED AUTO_INCREMENT PRIMARY KEY, dept_id INT UNSIGNED NOT NULL DEFAULT 0, isenabled TINYINT(1) NOT NULL DEFAULT 1, title VARCHAR(255) NOT NULL, response TEXT NOT NULL, created DATETIME NOT NULL, updated DATETIME NOT NULL);
`;

const T = '2024-03-01 09:00:00';

/** Builds one osTicket database `name`: `tickets` tickets of `prefix`, with messages, responses, notes and files. */
export async function buildOsticket(root: Connection, name: string, options: { tickets?: number; signature?: string; prefix?: string } = {}): Promise<void> {
  const tickets = options.tickets ?? 3;
  const p = options.prefix ?? name;
  await root.query(`DROP DATABASE IF EXISTS \`${name}\`; CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4; USE \`${name}\`; ${DDL}`);
  const q = (text: string, values: unknown[] = []) => root.query(text, values);
  await q(`INSERT INTO ost_config (namespace, \`key\`, value) VALUES ('core', 'schema_signature', ?), ('core', 'helpdesk_title', ?)`, [options.signature ?? SIGNATURE_1_18, `${p} help desk`]);
  await q(`INSERT INTO ost_department (id, name, created, updated) VALUES (1, 'Support', '${T}', '${T}'), (2, 'Billing', '${T}', '${T}')`);
  await q(`INSERT INTO ost_sla (id, name, grace_period, created, updated) VALUES (1, 'Default SLA', 18, '${T}', '${T}')`);
  await q(`INSERT INTO ost_ticket_status (id, name, state, sort, properties, created, updated) VALUES (1, 'Open', 'open', 1, '{}', '${T}', '${T}'), (2, 'Resolved', 'closed', 2, '{}', '${T}', '${T}'), (3, 'Closed', 'closed', 3, '{}', '${T}', '${T}')`);
  await q(`INSERT INTO ost_ticket_priority (priority_id, priority, priority_urgency) VALUES (1, 'low', 4), (2, 'normal', 3), (3, 'high', 2), (4, 'emergency', 1)`);
  await q(`INSERT INTO ost_staff (staff_id, dept_id, username, firstname, lastname, email, isadmin, created, updated) VALUES
    (1, 1, 'admin', 'Ada', 'Admin', 'ada@${p}.example', 1, '${T}', '${T}'), (2, 2, 'bob', 'Bob', 'Agent', 'bob@${p}.example', 0, '${T}', '${T}')`);
  await q(`INSERT INTO ost_staff_dept_access (staff_id, dept_id) VALUES (2, 1)`);
  await q(`INSERT INTO ost_team (team_id, name, created, updated) VALUES (1, 'Level 2', '${T}', '${T}')`);
  await q(`INSERT INTO ost_team_member (team_id, staff_id) VALUES (1, 1), (1, 2)`);
  await q(`INSERT INTO ost_organization (id, name) VALUES (1, 'Acme Corp')`);
  await q(`INSERT INTO ost_user (id, org_id, default_email_id, name, created, updated) VALUES (1, 1, 1, 'Chloé Dupont', '${T}', '${T}'), (2, 0, 2, 'Dan 🚀 Smith', '${T}', '${T}')`);
  await q(`INSERT INTO ost_user_email (id, user_id, address) VALUES (1, 1, 'chloe@customer.example'), (2, 2, 'dan@customer.example'), (3, 2, 'dan.other@customer.example')`);
  await q(`INSERT INTO ost_help_topic (topic_id, topic, dept_id, priority_id, sla_id, created, updated) VALUES (1, 'General Inquiry', 1, 2, 1, '${T}', '${T}')`);
  await q(`INSERT INTO ost_canned_response (canned_id, title, response, created, updated) VALUES (1, 'Thanks', '<p>Thank you<script>alert(1)</script></p>', '${T}', '${T}')`);
  await q(`INSERT INTO ost_form_field (id, form_id, label, name, sort, created, updated) VALUES (1, 2, 'Issue Summary', 'subject', 1, '${T}', '${T}'), (2, 2, 'Asset tag', 'asset_tag', 2, '${T}', '${T}')`);
  await addFaq(root);
  // A mailbox with credentials (never carried) and a row whose address is not one.
  await q(`INSERT INTO ost_email (email_id, noautoresp, dept_id, topic_id, email, name, userid, userpass, mail_active, mail_host, created, updated) VALUES
    (1, 1, 2, 1, 'Support@${p}.example', '${p} support', 'support', 'c2VjcmV0', 1, 'imap.${p}.example', '${T}', '${T}'), (2, 0, 1, 0, 'not-an-address', 'Broken', '', '', 0, '', '${T}', '${T}')`);
  for (let i = 1; i <= tickets; i++) await addTicket(root, i);
}

/** One ticket with a message (HTML with a script), a plain-text response, a note and, on odd tickets, a file. */
export async function addTicket(root: Connection, i: number, options: { status?: number; pid?: number } = {}): Promise<void> {
  const q = (text: string, values: unknown[] = []) => root.query(text, values);
  const created = `2024-03-${String(1 + (i % 27)).padStart(2, '0')} 10:00:00`;
  await q(`INSERT INTO ost_ticket (ticket_id, ticket_pid, number, user_id, status_id, dept_id, sla_id, topic_id, staff_id, team_id, source, duedate, closed, created, updated)
    VALUES (?, ?, ?, ?, ?, 1, 1, 1, ?, ?, ?, NULL, ?, ?, ?)`, [
    i, options.pid ?? null, String(100000 + i), 1 + (i % 2), options.status ?? (i % 3 === 0 ? 3 : 1), i % 2 ? 2 : 0, i % 2 ? 0 : 1, i % 2 ? 'Email' : 'Web',
    (options.status ?? (i % 3 === 0 ? 3 : 1)) === 3 ? created : null, created, created,
  ]);
  await q(`INSERT INTO ost_ticket__cdata (ticket_id, subject, priority) VALUES (?, ?, ?)`, [i, `Ticket ${i}: printer é ✓ 🖨️`, String(1 + (i % 4))]);
  await q(`INSERT INTO ost_form_entry (id, form_id, object_id, object_type, created, updated) VALUES (?, 2, ?, 'T', ?, ?)`, [i, i, created, created]);
  await q(`INSERT INTO ost_form_entry_values (entry_id, field_id, value) VALUES (?, 1, ?), (?, 2, ?)`, [i, `Ticket ${i}`, i, `PC-${i}`]);
  await q(`INSERT INTO ost_thread (id, object_id, object_type, created) VALUES (?, ?, 'T', ?)`, [i, i, created]);
  await q(`INSERT INTO ost_thread_collaborator (thread_id, user_id, created, updated) VALUES (?, ?, ?, ?)`, [i, 1 + ((i + 1) % 2), created, created]);
  await q(`INSERT INTO ost_thread_entry (id, thread_id, user_id, type, poster, body, format, created, updated) VALUES (?, ?, ?, 'M', ?, ?, 'html', ?, ?)`, [
    i * 10 + 1, i, 1 + (i % 2), 'Chlo\u00e9', `<p>The printer <b>jams</b> 🚀<script>alert("x")</script></p>`, created, created,
  ]);
  await q(`INSERT INTO ost_thread_entry (id, thread_id, staff_id, type, poster, body, format, created, updated) VALUES (?, ?, 2, 'R', 'Bob Agent', ?, 'text', ?, ?)`, [
    i * 10 + 2, i, 'Hello,\n\nplease try <this> & that.\nBob', created, created,
  ]);
  await q(`INSERT INTO ost_thread_entry (id, thread_id, staff_id, type, poster, body, format, created, updated) VALUES (?, ?, 1, 'N', 'Ada Admin', '<p>internal note</p>', 'html', ?, ?)`, [i * 10 + 3, i, created, created]);
  if (i % 2) await addFile(root, i * 10 + 1, i, Buffer.from(`log file of ticket ${i}\n`.repeat(40)));
}

export async function addFile(root: Connection, entryId: number, fileId: number, data: Buffer, name = `log-${fileId}.txt`): Promise<void> {
  await root.query(`INSERT INTO ost_file (id, bk, type, size, \`key\`, signature, name, created) VALUES (?, 'D', 'text/plain', ?, ?, ?, ?, ?)`, [fileId, data.length, `key${fileId}`, `sig${fileId}`, name, T]);
  // Two chunks, as osTicket splits large files.
  const half = Math.floor(data.length / 2);
  await root.query(`INSERT INTO ost_file_chunk (file_id, chunk_id, filedata) VALUES (?, 0, ?), (?, 1, ?)`, [fileId, data.subarray(0, half), fileId, data.subarray(half)]);
  await root.query(`INSERT INTO ost_attachment (object_id, type, file_id) VALUES (?, 'H', ?)`, [entryId, fileId]);
}

/** A public and an internal FAQ category; a public FAQ (with a help topic and a file), an internal one, and one with no answer. */
async function addFaq(root: Connection): Promise<void> {
  await root.query(`INSERT INTO ost_faq_category (category_id, ispublic, name, description, notes, created, updated) VALUES (1, 1, 'Printers', '', '', '${T}', '${T}'), (2, 0, 'Internal procedures', '', '', '${T}', '${T}')`);
  await root.query(`INSERT INTO ost_faq (faq_id, category_id, ispublished, question, answer, keywords, created, updated) VALUES
    (1, 1, 1, 'How do I clear a paper jam? 🖨️', '<p>Open tray B, pull gently.<script>alert(1)</script></p>', 'printer jam', '${T}', '${T}'),
    (2, 2, 1, 'Escalation rota', '<p>Call Ada after 18:00.</p>', '', '${T}', '${T}'),
    (3, 1, 0, 'Unanswered question', '', '', '${T}', '${T}')`);
  await root.query(`INSERT INTO ost_faq_topic (faq_id, topic_id) VALUES (1, 1)`);
  await root.query(`INSERT INTO ost_file (id, bk, type, size, \`key\`, signature, name, created) VALUES (5000, 'D', 'image/png', 4, 'faqkey', 'faqsig', 'tray.png', '${T}')`);
  await root.query(`INSERT INTO ost_file_chunk (file_id, chunk_id, filedata) VALUES (5000, 0, 'PNG!')`);
  await root.query(`INSERT INTO ost_attachment (object_id, type, file_id) VALUES (1, 'F', 5000)`);
}

/** The multi-site master of seed 000: one row per site. */
export async function buildMaster(root: Connection, name: string, sites: { site_name: string; url: string; db_name: string }[]): Promise<void> {
  await root.query(`DROP DATABASE IF EXISTS \`${name}\`; CREATE DATABASE \`${name}\`; USE \`${name}\`;
    CREATE TABLE ost_sites (id INT AUTO_INCREMENT PRIMARY KEY, site_name VARCHAR(100) NOT NULL, url VARCHAR(255) NOT NULL, db_name VARCHAR(64) NOT NULL)`);
  for (const s of sites) await root.query('INSERT INTO ost_sites (site_name, url, db_name) VALUES (?, ?, ?)', [s.site_name, s.url, s.db_name]);
}

/** A checksum of every table of a database: equal before and after an import that wrote nothing. */
export async function databaseChecksum(root: Connection, name: string): Promise<string> {
  const [tables] = await root.query(`SELECT table_name AS t FROM information_schema.tables WHERE table_schema = ? ORDER BY table_name`, [name]);
  const list = (tables as { t: string }[]).map((r) => `\`${name}\`.\`${r.t}\``).join(', ');
  const [sums] = await root.query(`CHECKSUM TABLE ${list} EXTENDED`);
  return JSON.stringify(sums);
}
