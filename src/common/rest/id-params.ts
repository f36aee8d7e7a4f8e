const UUID = { type: 'string', format: 'uuid' } as const;

/** The `:id` path parameter of a route, a UUID, described for its thing. */
export function idParams(description: string) {
  return {
    type: 'object',
    required: ['id'],
    properties: { id: { ...UUID, description } },
  } as const;
}
