import { z } from 'zod';
import { AppError } from '../../errors.ts';

/**
 * Custom fields: a help topic defines them, a ticket of that topic carries their values in
 * `custom_fields`. Values are checked against the definitions on the way in.
 */
export const customFieldDefinitionSchema = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9_]{0,62}$/),
    label: z.string().min(1).max(200),
    type: z.enum(['text', 'number', 'boolean', 'choice']),
    required: z.boolean().default(false),
    choices: z.array(z.string().min(1).max(200)).max(100).optional(),
  })
  .strict()
  .refine((d) => (d.type === 'choice') === !!d.choices?.length, 'a choice field lists its choices, and only it does');
export const customFieldDefinitionsSchema = z
  .array(customFieldDefinitionSchema)
  .max(50)
  .refine((defs) => new Set(defs.map((d) => d.name)).size === defs.length, 'field names are unique');
export type CustomFieldDefinition = z.infer<typeof customFieldDefinitionSchema>;

export function parseCustomFieldDefinitions(stored: unknown): CustomFieldDefinition[] {
  const parsed = customFieldDefinitionsSchema.safeParse(stored ?? []);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new AppError('VALIDATION_FAILED', `A custom field definition is not valid (${issue.path.join('.') || 'customFields'}: ${issue.message}).`, 'customFields');
  }
  return parsed.data;
}

function valueFits(definition: CustomFieldDefinition, value: unknown): boolean {
  switch (definition.type) {
    case 'text':
      return typeof value === 'string' && value.length <= 2000;
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'choice':
      return typeof value === 'string' && definition.choices!.includes(value);
  }
}

/** The values a ticket may store: only defined fields, each of its type, required ones present. */
export function checkCustomFields(definitions: readonly CustomFieldDefinition[], values: Record<string, unknown>): Record<string, unknown> {
  for (const name of Object.keys(values)) {
    if (!definitions.some((d) => d.name === name)) throw new AppError('VALIDATION_FAILED', `There is no custom field "${name}" for this help topic.`, `customFields.${name}`);
  }
  for (const definition of definitions) {
    const value = values[definition.name];
    if (value === undefined || value === null || value === '') {
      if (definition.required) throw new AppError('VALIDATION_FAILED', `"${definition.label}" is required.`, `customFields.${definition.name}`);
      continue;
    }
    if (!valueFits(definition, value)) throw new AppError('VALIDATION_FAILED', `"${definition.label}" needs a ${definition.type} value.`, `customFields.${definition.name}`);
  }
  return values;
}
