import { searchTerm } from '../../src/common/search';
import { hasTrigram, searchPlan } from '../../src/database/search-plan';

test('a rare term is filtered from its matches, a common one walked along the sort', () => {
  const rows = 200_000;
  expect(searchPlan({ rows, matches: 50, offset: 0, limit: 20, trigram: true })).toBe('filter');
  expect(searchPlan({ rows, matches: 150_000, offset: 0, limit: 20, trigram: true })).toBe('walk');
  // Deep enough, a common term is cheaper to filter too: the walk would read most rows.
  expect(searchPlan({ rows, matches: 20_000, offset: 19_000, limit: 20, trigram: true })).toBe(
    'filter',
  );
  // Without a trigram the matches cannot be found apart from the rows: always walked.
  expect(searchPlan({ rows, matches: 50, offset: 0, limit: 20, trigram: false })).toBe('walk');
  expect(searchPlan({ rows, matches: 0, offset: 0, limit: 20, trigram: true })).toBe('filter');
});

test('a trigram needs three letters or digits in a row', () => {
  expect(['joh', 'a1b', '555', 'ab cde'].map(hasTrigram)).toEqual([true, true, true, true]);
  expect(['jo', 'a-b', 'a b c', '', '++'].map(hasTrigram)).toEqual([
    false,
    false,
    false,
    false,
    false,
  ]);
});

test('a search term: trimmed, its wildcards literal, its piece when one or two characters', () => {
  expect(searchTerm('  ')).toBeUndefined();
  expect(searchTerm(null)).toBeUndefined();
  expect(searchTerm(' 50%_off\\ ')).toEqual({
    pattern: '%50\\%\\_off\\\\%',
    trigram: true,
    piece: undefined,
  });
  expect(searchTerm('Jo')).toEqual({ pattern: '%Jo%', trigram: false, piece: 'Jo' });
  expect(searchTerm('a\nb')?.piece).toBeUndefined();
});
