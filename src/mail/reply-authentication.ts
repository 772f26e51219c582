import type { ParsedMail } from 'mailparser';
import { trustedAuthenticationPasses } from './authentication-results.ts';
import type { MailDeps } from './mail-context.ts';
import { readMessageToken } from './message-token.ts';
import { messageIdsIn } from './message-traits.ts';

/**
 * How mail from an agent's address proves that the agent wrote it. The From address alone proves
 * nothing (anyone can write it), so such mail acts as the agent only with one of:
 * - `authentication-results`: the topmost Authentication-Results field of an authserv-id in
 *   MAIL_TRUSTED_AUTHSERV_IDS says DMARC, or DKIM of exactly the From domain, passed (and, over
 *   SMTP, the peer that handed it over is in MAIL_TRUSTED_RELAYS);
 * - `token`: its In-Reply-To/References quote an agent token we signed for this agent, on a ticket
 *   of this tenant, not older than MAIL_AGENT_TOKEN_DAYS. It proves the agent for that ticket only.
 * Anything else is undefined: the message is held for review (receive-message.ts).
 */
export type AgentProof = { readonly by: 'authentication-results' } | { readonly by: 'token'; readonly ticketId: string };

export type AgentMail = {
  readonly parsed: ParsedMail;
  readonly tenantId: number;
  readonly agentId: string;
  /** The From address (normalised). */
  readonly from: string;
  /** False when the SMTP peer is not a trusted relay: the message's Authentication-Results are the sender's own words. */
  readonly resultsTrusted: boolean;
  readonly now: Date;
};

// A token dated in the future by more than a clock's drift between two of our processes is not ours to believe.
const FUTURE_SKEW_S = 300;

export function proveAgentMail(deps: Pick<MailDeps, 'box' | 'config'>, mail: AgentMail): AgentProof | undefined {
  // One From field with one address, or DMARC and we could be reading different senders.
  const fromFields = mail.parsed.headerLines.filter((h) => h.key === 'from').length;
  if (fromFields !== 1 || (mail.parsed.from?.value.length ?? 0) !== 1) return undefined;
  const domain = mail.from.slice(mail.from.lastIndexOf('@') + 1);
  if (mail.resultsTrusted && trustedAuthenticationPasses(mail.parsed.headerLines, new Set(deps.config.trustedAuthservIds), domain)) return { by: 'authentication-results' };
  const ticketId = agentTokenTicket(deps, mail);
  return ticketId ? { by: 'token', ticketId } : undefined;
}

/** The ticket named by an agent token for this agent and tenant, still valid, among the ids the message replies to. */
function agentTokenTicket(deps: Pick<MailDeps, 'box' | 'config'>, mail: AgentMail): string | undefined {
  const now = Math.floor(mail.now.getTime() / 1000);
  const maxAge = deps.config.agentTokenMaxAgeMs / 1000;
  const ids = [...messageIdsIn(mail.parsed.inReplyTo), ...messageIdsIn(mail.parsed.references).reverse()].slice(0, 30);
  for (const id of ids) {
    const token = readMessageToken(deps.box, id);
    // Tenant boundary: a token of another tenant proves nothing here, nor one of another agent.
    if (!token?.agent || token.tenantId !== mail.tenantId || token.agent.contactId !== mail.agentId) continue;
    if (token.agent.issuedAt > now + FUTURE_SKEW_S || now - token.agent.issuedAt > maxAge) continue;
    return token.ticketId;
  }
  return undefined;
}
