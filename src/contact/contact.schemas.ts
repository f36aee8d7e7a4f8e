import { pageSchema, TIMESTAMP, UUID } from '../common/rest/page.schema';

const CONTACT_PROPERTIES = {
  id: { ...UUID, description: 'The contact id.' },
  organizationId: { ...UUID, description: 'The organization the contact belongs to.' },
  firstName: { type: 'string', description: 'Given name.' },
  lastName: { type: 'string', description: 'Family name.' },
  primaryPhone: { type: 'string', description: 'Phone number in E.164 form.' },
  primaryEmail: { type: 'string', nullable: true, description: 'E-mail address, if known.' },
  createdAt: { ...TIMESTAMP, description: 'When the contact was created.' },
  updatedAt: { ...TIMESTAMP, description: 'When the contact last changed.' },
} as const;

export const CONTACT_SCHEMA = {
  type: 'object',
  description: 'A contact.',
  required: Object.keys(CONTACT_PROPERTIES),
  properties: CONTACT_PROPERTIES,
} as const;

export const CONTACT_PAGE_SCHEMA = pageSchema(CONTACT_SCHEMA, 'A page of contacts.');
