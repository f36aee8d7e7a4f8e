import { type CursorScope, decodeCursor, encodeCursor } from '../../src/common/cursor';
import { ValidationError } from '../../src/common/errors';

const SCOPE = { sortBy: 'firstName', sortOrder: 'asc', search: 'Ada ' };
const POSITION = { value: 'Ada', id: '123e4567-e89b-12d3-a456-426614174000' };

function refusal(cursor: string, scope: CursorScope = SCOPE): string {
  try {
    decodeCursor('after', cursor, scope);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).message;
  }
  throw new Error('the cursor was taken');
}

test('a cursor reads back as its position, under the same sort and the same search', () => {
  const cursor = encodeCursor(SCOPE, POSITION);
  expect(decodeCursor('after', cursor, SCOPE)).toEqual(POSITION);
  // Searches are trimmed and case-insensitive: this is the same one.
  expect(decodeCursor('after', cursor, { ...SCOPE, search: ' ADA' })).toEqual(POSITION);
  // An empty search is no search.
  const unsearched = encodeCursor({ ...SCOPE, search: '' }, POSITION);
  expect(decodeCursor('after', unsearched, { ...SCOPE, search: null })).toEqual(POSITION);
});

test('a cursor of another sort or another search is refused, naming why', () => {
  const cursor = encodeCursor(SCOPE, POSITION);
  expect(refusal(cursor, { ...SCOPE, sortOrder: 'desc' })).toMatch(
    /another sort \(firstName asc\)/,
  );
  expect(refusal(cursor, { ...SCOPE, search: 'bob' })).toMatch(/another search/);
  expect(refusal(cursor, { ...SCOPE, search: undefined })).toMatch(/another search/);
});

test('anything else is not a cursor this API gave out', () => {
  const parts = JSON.parse(Buffer.from(encodeCursor(SCOPE, POSITION), 'base64url').toString());
  const forged = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  for (const cursor of [
    'not base64 at all!',
    forged({ sortBy: 'firstName' }),
    forged(parts.slice(0, 4)),
    forged([...parts.slice(0, 3), 'not-a-uuid', parts[4]]),
    forged([...parts.slice(0, 2), 'a\u0000b', ...parts.slice(3)]),
    forged([...parts, 'extra']),
  ]) {
    expect(refusal(cursor)).toBe('after is not a cursor this API gave out');
  }
});
