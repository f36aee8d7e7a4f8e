/**
 * The search text of contacts and memberships, a stored column: the searched fields lowercased,
 * one per line. ILIKE on a UTF-8 database compares lower() of both sides, so LIKE on this text with
 * a lowered pattern finds the rows ILIKE on any one field finds, without lowering three fields of
 * every row it reads (a term with a line break in it is checked field by field too).
 */
export const CONTACT_SEARCH_TEXT_SQL = `lower("first_name" || chr(10) || "last_name" || chr(10) || "primary_phone")`;
export const CONTACT_SEARCH_FIELDS = ['first_name', 'last_name', 'primary_phone'] as const;
