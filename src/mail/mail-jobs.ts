import type { JobHandler, Schedule } from '../jobs/job-type.ts';
import { imapJobHandlers, imapSchedule } from './imap-fetch.ts';
import type { MailDeps } from './mail-context.ts';
import { sendMailHandler, sweepOutbox, sweepOutboxHandler } from './send-mail.ts';

/** The email channel's background work: sending the outbox, fetching IMAP mailboxes, their schedules. */
export function mailJobs(deps: MailDeps): { handlers: JobHandler<never>[]; schedules: Schedule<never>[] } {
  return {
    handlers: [sendMailHandler(deps) as unknown as JobHandler<never>, sweepOutboxHandler as unknown as JobHandler<never>, ...imapJobHandlers(deps)],
    schedules: [imapSchedule as unknown as Schedule<never>, { type: sweepOutbox, cron: '*/5 * * * *', payload: {} } as unknown as Schedule<never>],
  };
}
