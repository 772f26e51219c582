/** Shapes of the ticket extras and reports the REST API answers with (see GET /api/openapi.json). */

export type Attachment = {
  id: string;
  ticketId: string;
  entryId: string;
  filename: string;
  contentType: string;
  size: number;
  createdAt: string;
};

export type Collaborator = { id: string; ticketId: string; contactId: string; name: string | null; email: string | null };

export type LinkKind = 'related' | 'duplicate' | 'caused-by';

export type TicketLink = { id: string; ticketId: string; linkedTicketId: string; kind: LinkKind; createdAt: string };

export type Quantiles = { median: number | null; p90: number | null };

export type SummaryFigures = {
  open: number;
  overdue: number;
  created: number;
  resolved: number;
  firstResponseMinutes: Quantiles;
  resolutionMinutes: Quantiles;
  slaCompliance: number | null;
};

export type Summary = SummaryFigures & { from: string; to: string; tenants?: (SummaryFigures & { tenantId: number; tenant: string | null })[] };

export type DailyReport = { from: string; to: string; timeZone: string; days: { date: string; created: number; resolved: number }[] };

export type BacklogItem = { id: string | null; label: string | null; open: number; pending: number; overdue: number; total: number };

export type BacklogReport = { by: 'department' | 'agent' | 'priority'; items: BacklogItem[] };

/** What the dashboard asks the reports for. */
export type ReportRange = { from: string; to: string; timeZone: string; tenantId?: number | undefined };

/** Customer satisfaction ratings (GET /api/v1/reports/satisfaction): all the role reads, and per tenant. */
export type SatisfactionFigures = { ratings: number; average: number | null; good: number; bad: number };
export type SatisfactionReport = SatisfactionFigures & { tenants: (SatisfactionFigures & { tenantId: number; tenant: string | null })[] };
