/** JSON Schema of `{ data, meta }`, the page of every REST list, as in the contract. */
export function pageSchema(item: object, description: string) {
  return {
    type: 'object',
    description,
    required: ['data', 'meta'],
    properties: {
      data: {
        type: 'array',
        items: item,
        description: 'The items of this page, in the order asked for.',
      },
      meta: PAGINATION_META_SCHEMA,
    },
  } as const;
}

const PAGINATION_META_SCHEMA = {
  type: 'object',
  description: 'Where a page stands in the whole list.',
  required: ['page', 'limit', 'total', 'totalPages', 'hasNextPage', 'hasPreviousPage'],
  properties: {
    page: { type: 'integer', description: 'The page returned, from 1.' },
    limit: { type: 'integer', description: 'The page size asked for.' },
    total: { type: 'integer', description: 'How many items match, over all pages.' },
    totalPages: {
      type: 'integer',
      description: 'How many pages the matches fill (0 when none match).',
    },
    hasNextPage: { type: 'boolean', description: 'Whether a page follows this one.' },
    hasPreviousPage: { type: 'boolean', description: 'Whether a page precedes this one.' },
  },
} as const;

export const UUID = { type: 'string', format: 'uuid' } as const;
export const NULLABLE_UUID = { type: 'string', format: 'uuid', nullable: true } as const;
export const TIMESTAMP = { type: 'string', format: 'date-time' } as const;
export const NULLABLE_TIMESTAMP = { type: 'string', format: 'date-time', nullable: true } as const;

/** The `:id` path parameter of a route, a UUID, described for its thing. */
export function idParams(description: string) {
  return {
    type: 'object',
    required: ['id'],
    properties: { id: { ...UUID, description } },
  } as const;
}
