import { isUUID } from 'class-validator';
import { createHash } from 'node:crypto';
import { ValidationError } from './errors';

/** What a cursor belongs to: the sort, the search and the filters of the list it was given out for. */
export interface CursorScope {
  sortBy: string;
  sortOrder: string;
  search: string | null | undefined;
  /** The list's other filters, as text that is equal exactly when they are (empty: none). */
  filter?: string;
}

/** Where a keyset page starts: the last row's sort value and id. */
export interface CursorPosition {
  value: string;
  id: string;
}

/**
 * The search and filters a cursor was made for, in a few bytes: searches are case-insensitive and
 * trimmed, so "John " and "john" are one search; no search and no filter is the empty tag (and a
 * search without filters has the tag it had before lists had filters).
 */
function searchTag({ search, filter }: CursorScope): string {
  const term = search?.trim().toLowerCase() ?? '';
  if (!term && !filter) return '';
  const text = filter ? `${term}\n${filter}` : term;
  return createHash('sha256').update(text).digest('base64url').slice(0, 11);
}

/** Opaque to clients: base64url of the scope and position, so that they pass it back and never build one. */
export function encodeCursor(scope: CursorScope, position: CursorPosition): string {
  return Buffer.from(
    JSON.stringify([scope.sortBy, scope.sortOrder, position.value, position.id, searchTag(scope)]),
  ).toString('base64url');
}

/** Reads a cursor back; refuses one that is malformed or was made for another sort or search. */
export function decodeCursor(field: string, cursor: string, expected: CursorScope): CursorPosition {
  let parts: unknown;
  try {
    parts = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw ValidationError.of(field, `${field} is not a cursor this API gave out`);
  }
  if (
    !Array.isArray(parts) ||
    // A cursor of four parts, given out before cursors carried their search, is refused too: it
    // cannot say which search it belongs to.
    parts.length !== 5 ||
    !parts.every((part) => typeof part === 'string' && !part.includes('\0')) ||
    !isUUID(parts[3], 'loose')
  ) {
    throw ValidationError.of(field, `${field} is not a cursor this API gave out`);
  }
  const [sortBy, sortOrder, value, id, tag] = parts as string[];
  if (sortBy !== expected.sortBy || sortOrder !== expected.sortOrder) {
    throw ValidationError.of(
      field,
      `${field} belongs to another sort (${sortBy} ${sortOrder}); ask again without it`,
    );
  }
  if (tag !== searchTag(expected)) {
    throw ValidationError.of(
      field,
      `${field} belongs to another search or filter; pass the ones it was given with, or ask again without it`,
    );
  }
  return { value: value!, id: id! };
}
