import {
  NULLABLE_TIMESTAMP,
  NULLABLE_UUID,
  pageSchema,
  TIMESTAMP,
  UUID,
} from '../common/rest/page.schema';

const AUDIENCE_PROPERTIES = {
  id: { ...UUID, description: 'The audience id.' },
  organizationId: { ...UUID, description: 'The organization the audience belongs to.' },
  name: { type: 'string', description: 'Name, 3 to 64 characters.' },
  description: {
    type: 'string',
    nullable: true,
    description: 'Description, up to 256 characters.',
  },
  createdAt: { ...TIMESTAMP, description: 'When the audience was created.' },
  updatedAt: { ...TIMESTAMP, description: 'When the audience was last updated.' },
  deletedAt: {
    ...NULLABLE_TIMESTAMP,
    description: 'When the audience was deleted; null while it is live.',
  },
  createdBy: { ...NULLABLE_UUID, description: 'The user who created the audience.' },
  updatedBy: { ...NULLABLE_UUID, description: 'The user who last updated the audience.' },
  deletedBy: { ...NULLABLE_UUID, description: 'The user who deleted the audience.' },
} as const;

/** AudienceResponse of the contract. */
export const AUDIENCE_RESPONSE_SCHEMA = {
  type: 'object',
  description: 'An audience (AudienceResponse).',
  required: Object.keys(AUDIENCE_PROPERTIES),
  properties: AUDIENCE_PROPERTIES,
} as const;

/** AudienceListResponse of the contract: AudienceWithCountResponse items and PaginationMeta. */
export const AUDIENCE_LIST_RESPONSE_SCHEMA = pageSchema(
  {
    type: 'object',
    description: 'An audience with its member count (AudienceWithCountResponse).',
    required: [...Object.keys(AUDIENCE_PROPERTIES), 'contactCount'],
    properties: {
      ...AUDIENCE_PROPERTIES,
      contactCount: { type: 'integer', description: 'How many contacts the audience holds.' },
    },
  },
  'A page of audiences (AudienceListResponse).',
);
