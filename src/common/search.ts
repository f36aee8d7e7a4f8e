import { IsOptional, IsString, MaxLength } from 'class-validator';
import { HasNoNul } from './validation';

const MAX_SEARCH_LENGTH = 256;

/** Rules for every `search` argument, applied with `@SearchRules()` where one is declared. */
export function SearchRules(): PropertyDecorator {
  return (target, property) => {
    IsOptional()(target, property);
    IsString()(target, property);
    MaxLength(MAX_SEARCH_LENGTH)(target, property);
    HasNoNul()(target, property);
  };
}

/**
 * An ILIKE pattern matching `search` anywhere, with the LIKE wildcards in it taken literally;
 * undefined when there is nothing to search for.
 */
export function containsPattern(search: string | null | undefined): string | undefined {
  const term = search?.trim();
  if (!term) return undefined;
  return `%${term.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
}
