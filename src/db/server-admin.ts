import type pg from 'pg';

/*
 * Statements on a PostgreSQL server's maintenance connection that take names, not values: CREATE
 * and DROP DATABASE and DROP ROLE accept no parameters, so the names are quoted here, the one place
 * outside the query builder where they become SQL text (test/db/sql-text.test.ts).
 */
const identifier = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** CREATE DATABASE, as a copy of `template` when given. */
export async function createDatabase(client: pg.ClientBase, name: string, template?: string): Promise<void> {
  await client.query(`create database ${identifier(name)}${template === undefined ? '' : ` template ${identifier(template)}`}`);
}

/** DROP DATABASE IF EXISTS, closing its sessions. */
export async function dropDatabase(client: pg.ClientBase, name: string): Promise<void> {
  await client.query(`drop database if exists ${identifier(name)} with (force)`);
}

/** DROP ROLE IF EXISTS. */
export async function dropRole(client: pg.ClientBase, name: string): Promise<void> {
  await client.query(`drop role if exists ${identifier(name)}`);
}
