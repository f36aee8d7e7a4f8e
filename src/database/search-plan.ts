import { type Sql, sql, sqlText } from './sql';

/**
 * How a searched page is read, chosen from exact figures rather than from PostgreSQL's estimates
 * of how common a term is (which depend on the luck of its statistics). The matches are counted
 * first (the page's `total`), so the choice knows how many rows each way reads:
 * - `walk`: the sort column's index in order, keeping rows that match, until the page is full.
 *   Reads about (offset + limit) × rows / matches entries: cheap when the term is common.
 * - `filter`: every match (found by the trigram index), sorted, then the page. Reads the matches:
 *   cheap when they are few. A term with no run of three letters or digits has no trigram to look
 *   up, so its matches are found by reading every row in scope (from an index that carries the
 *   search text, not the table).
 */
export type SearchPlan = 'walk' | 'filter';

export interface SearchFigures {
  /** Rows in scope: the audience's members, the organization's contacts or live audiences. */
  rows: number;
  /** Rows in scope that match the term: the page's exact total. */
  matches: number;
  /** Rows to skip, and to return. */
  offset: number;
  limit: number;
  /** Whether the trigram index can find the matches (see hasTrigram). */
  trigram: boolean;
}

// Rows a walk reads for each row a filter reads: a filtered row is found by a bitmap and sorted,
// a walked one is read in order from an index.
const FILTER_ROW_COST = 2;

export function searchPlan({ rows, matches, offset, limit, trigram }: SearchFigures): SearchPlan {
  const walked = matches === 0 ? rows : Math.min(rows, ((offset + limit) * rows) / matches);
  const filtered = trigram ? matches * FILTER_ROW_COST : rows;
  return filtered < walked ? 'filter' : 'walk';
}

/**
 * A searched page's ids, read the way the plan says: `rows` selects the matching rows in scope
 * (their id and sort column), `order` orders and limits them. A walk orders the rows directly
 * (give it the match worded `unindexed`, see searchTextMatches); a filter collects every match
 * first, materialized so that PostgreSQL cannot turn it back into a walk, then sorts them.
 */
export function searchedIds(plan: SearchPlan, rows: Sql, alias: string, order: Sql): Sql {
  if (plan === 'walk') return sql`${rows} ${order}`;
  return sql`with matched as materialized (${rows}) select * from matched ${sqlText(alias)} ${order}`;
}

/** pg_trgm makes trigrams of runs of letters and digits: a term needs one of three or more. */
export function hasTrigram(term: string): boolean {
  return /[\p{L}\p{N}]{3,}/u.test(term);
}
