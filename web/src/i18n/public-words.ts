/**
 * The names of the rows every tenant starts with (the service provider's public defaults, seeded
 * in English by migrations 0003, 0004, 0011 and 0032), said in the reader's language. Priorities
 * and statuses have their own keys in messages.ts.
 */
export const publicWordsEn = {
  'public.role.spAdmin': 'Service-provider administrator',
  'public.role.spAgent': 'Service-provider agent',
  'public.role.tenantAdmin': 'Tenant administrator',
  'public.role.agent': 'Agent',
  'public.role.customer': 'Customer',
  'public.helpTopic.other': 'Other request',
  'public.slaPlan.standard': 'Standard',
} as const;

export const publicWordsFr: Record<keyof typeof publicWordsEn, string> = {
  'public.role.spAdmin': 'Administrateur du prestataire',
  'public.role.spAgent': 'Agent du prestataire',
  'public.role.tenantAdmin': 'Administrateur du client',
  'public.role.agent': 'Agent',
  'public.role.customer': 'Client',
  'public.helpTopic.other': 'Autre demande',
  'public.slaPlan.standard': 'Niveau de service standard',
};
