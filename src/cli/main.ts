import { program } from './program.ts';

// The entry point of `tenantdesk` (bin/tenantdesk.js) and of `npm start`.
await program().parseAsync(process.argv);
