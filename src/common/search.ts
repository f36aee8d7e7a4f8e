import { IsOptional, IsString } from 'class-validator';
import { joinSql, type Sql, sql, sqlText } from '../database/sql';
import { hasTrigram } from '../database/search-plan';
import { Characters, HasNoNul } from './validation';

const MAX_SEARCH_LENGTH = 256;

/** Rules for every `search` argument, applied with `@SearchRules()` where one is declared. */
export function SearchRules(): PropertyDecorator {
  return (target, property) => {
    IsOptional()(target, property);
    IsString()(target, property);
    Characters(0, MAX_SEARCH_LENGTH)(target, property);
    HasNoNul()(target, property);
  };
}

/** A search as the repositories take it. */
export interface SearchTerm {
  /** An ILIKE pattern matching the term anywhere, with the LIKE wildcards in it taken literally. */
  pattern: string;
  /** Whether the trigram indexes can find its matches (see hasTrigram). */
  trigram: boolean;
  /**
   * The term itself when it is one or two characters long (and no line break): its matches are
   * counted in one look-up of the kept counts of search pieces (see search_grams).
   */
  piece: string | undefined;
}

/** The search a `search` argument asks for; undefined when there is nothing to search for. */
export function searchTerm(search: string | null | undefined): SearchTerm | undefined {
  const term = search?.trim();
  if (!term) return undefined;
  return {
    pattern: `%${term.replace(/[\\%_]/g, (char) => `\\${char}`)}%`,
    trigram: hasTrigram(term),
    piece: [...term].length <= 2 && !term.includes('\n') ? term : undefined,
  };
}

/**
 * A condition on `alias`.search_text for a search term. Only a term with a line
 * break in it could match across two fields; it is checked on the fields too.
 *
 * `unindexed` words the same condition so that no index offers it (`search_text || ''` is the
 * same text): a page walked along its sort key's index must not be turned, by an estimate of how
 * common the term is, into a read of every match (see searchPlan, which chooses from exact counts).
 */
export function searchTextMatches(
  alias: string,
  { pattern }: SearchTerm,
  fields: readonly string[],
  { unindexed = false } = {},
): Sql {
  const text = sqlText(unindexed ? `(${alias}.search_text || '')` : `${alias}.search_text`);
  const condition = sql`${text} like lower(${pattern})`;
  if (!pattern.includes('\n')) return condition;
  const onFields = fields.map((field) => sql`${sqlText(`${alias}.${field}`)} ilike ${pattern}`);
  return sql`(${condition} and (${joinSql(onFields, ' or ')}))`;
}
