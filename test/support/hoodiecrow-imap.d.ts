/** The part of hoodiecrow-imap (plain JavaScript, no types of its own) that imap-server.ts uses. */
declare module 'hoodiecrow-imap' {
  import type { Server } from 'node:net';

  type Folder = { messages: { raw: string; flags?: string[] }[]; flags?: string[] };
  type Options = {
    plugins?: string[];
    users: Record<string, { password: string }>;
    storage: Record<string, Folder | { separator: string; folders: Record<string, Folder> }>;
  };
  type HoodiecrowServer = { readonly server: Server; listen(port: number, host: string, ready: () => void): void; close(done: () => void): void };

  export default function hoodiecrow(options: Options): HoodiecrowServer;
}
