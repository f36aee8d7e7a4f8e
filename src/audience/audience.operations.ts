/**
 * What each audience operation does, written once: the GraphQL field's description, the REST
 * path's, and the docs' table of operations (npm run schema writes it from the schema).
 */
export const AUDIENCE_OPERATIONS = {
  list: 'The live audiences of your organization, one page at a time (`{ data, meta }`), searched in name and description.',
  get: "One live audience of your organization; not found (GraphQL: null with a NOT_FOUND error; REST: 404) when it is unknown, deleted or another organization's.",
  create:
    'Creates an audience: a name of 3 to 64 characters, not blank, and a description of up to 256 (null or left out for none); lengths count characters, as PostgreSQL does.',
  update:
    'Changes the name and/or the description of a live audience: fields left out (or a null name) keep their value, a null description removes it. An input that changes nothing writes nothing (updatedAt and updatedBy stay).',
  delete:
    'Soft-deletes a live audience and returns it with deletedAt and deletedBy set; deleting it again is NOT_FOUND (REST 404).',
} as const;
