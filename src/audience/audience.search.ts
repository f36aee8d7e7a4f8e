/**
 * The search text of audiences, a stored column: name and description lowercased, one per line
 * (as contacts' in contact.search.ts).
 */
export const AUDIENCE_SEARCH_TEXT_SQL = `lower("name" || chr(10) || coalesce("description"::text, ''))`;
export const AUDIENCE_SEARCH_FIELDS = ['name', 'description'] as const;
