import { isUUID } from 'class-validator';
import { ValidationError } from './errors';

/** Where a keyset page starts: the sort it belongs to, and the last row's sort value and id. */
export interface CursorPosition {
  sortBy: string;
  sortOrder: string;
  value: string;
  id: string;
}

/** Opaque to clients: base64url of the position, so that they pass it back and never build one. */
export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(
    JSON.stringify([position.sortBy, position.sortOrder, position.value, position.id]),
  ).toString('base64url');
}

/** Reads a cursor back; refuses one that is malformed or was made for another sort. */
export function decodeCursor(
  field: string,
  cursor: string,
  expected: { sortBy: string; sortOrder: string },
): CursorPosition {
  let parts: unknown;
  try {
    parts = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw ValidationError.of(field, `${field} is not a cursor this API gave out`);
  }
  if (
    !Array.isArray(parts) ||
    parts.length !== 4 ||
    !parts.every((part) => typeof part === 'string' && !part.includes('\0')) ||
    !isUUID(parts[3], 'loose')
  ) {
    throw ValidationError.of(field, `${field} is not a cursor this API gave out`);
  }
  const [sortBy, sortOrder, value, id] = parts as string[];
  if (sortBy !== expected.sortBy || sortOrder !== expected.sortOrder) {
    throw ValidationError.of(
      field,
      `${field} belongs to another sort (${sortBy} ${sortOrder}); ask again without it`,
    );
  }
  return { sortBy: sortBy!, sortOrder: sortOrder!, value: value!, id: id! };
}
