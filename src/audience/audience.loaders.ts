import type { Knex } from '@mikro-orm/postgresql';
import DataLoader from 'dataloader';
import { decodeCursor, encodeCursor } from '../common/cursor';
import { type Page, pageWindow, toPage } from '../common/pagination';
import { containsPattern } from '../common/search';
import type { ContactsArgs, ContactsConnectionArgs } from '../contact/contact.args';
import { countMatchingMembers, findMembers, sortValueOf } from '../contact/contact.repository';
import type { Contact, ContactConnection } from '../contact/contact.type';
import type { Audience } from './audience.type';

export interface MembersKey {
  audience: Audience;
  args: ContactsArgs;
}

export interface ConnectionKey {
  audience: Audience;
  args: ContactsConnectionArgs;
}

/**
 * The members of many audiences in one request come in a constant number of statements. Member
 * counts need none: each audience row keeps its own (only a search's matches are counted).
 */
export interface AudienceLoaders {
  /** A page of members per audience: two statements for every audience sharing the arguments. */
  members: DataLoader<MembersKey, Page<Contact>, string>;
  /** A cursor page of members per audience: one statement for all audiences sharing the arguments. */
  connections: DataLoader<ConnectionKey, ContactConnection, string>;
}

function membersKey({ audience, args }: MembersKey): string {
  const { page, limit, search, sortBy, sortOrder } = args;
  return JSON.stringify([audience.organizationId, page, limit, search ?? null, sortBy, sortOrder]);
}

function connectionKey({ audience, args }: ConnectionKey): string {
  return JSON.stringify([
    audience.organizationId,
    args.first,
    args.after ?? null,
    args.sortBy,
    args.sortOrder,
  ]);
}

/** Called once per request: loaders cache per request and must never be shared between them. */
export function createAudienceLoaders(db: Knex): AudienceLoaders {
  return {
    members: new DataLoader(loadMemberPages(db), {
      cacheKeyFn: (key) => `${key.audience.id}:${membersKey(key)}`,
    }),
    connections: new DataLoader(loadConnections(db), {
      cacheKeyFn: (key) => `${key.audience.id}:${connectionKey(key)}`,
    }),
  };
}

function loadMemberPages(db: Knex) {
  return async (keys: readonly MembersKey[]): Promise<Page<Contact>[]> => {
    const pages = new Map<MembersKey, Page<Contact>>();
    await Promise.all(
      groupBy(keys, membersKey).map(async (group) => {
        const { audience, args } = group[0]!;
        const ids = [...new Set(group.map((key) => key.audience.id))];
        const pattern = containsPattern(args.search);
        const [matches, members] = await Promise.all([
          pattern === undefined ? undefined : countMatchingMembers(db, ids, pattern),
          findMembers(db, audience.organizationId, ids, {
            pattern,
            sortBy: args.sortBy,
            sortOrder: args.sortOrder,
            ...pageWindow(args),
          }),
        ]);
        for (const key of group) {
          const total = matches ? (matches.get(key.audience.id) ?? 0) : key.audience.contactCount;
          pages.set(key, toPage(members.get(key.audience.id) ?? [], total, args));
        }
      }),
    );
    return keys.map((key) => pages.get(key)!);
  };
}

function loadConnections(db: Knex) {
  return async (keys: readonly ConnectionKey[]): Promise<ContactConnection[]> => {
    const results = new Map<ConnectionKey, ContactConnection>();
    await Promise.all(
      groupBy(keys, connectionKey).map(async (group) => {
        const { audience, args } = group[0]!;
        const sort = { sortBy: args.sortBy, sortOrder: args.sortOrder };
        const after = args.after ? decodeCursor('after', args.after, sort) : undefined;
        const ids = [...new Set(group.map((key) => key.audience.id))];
        const members = await findMembers(db, audience.organizationId, ids, {
          ...sort,
          pattern: undefined,
          after,
          limit: args.first + 1,
          offset: 0,
        });
        for (const key of group) {
          const rows = members.get(key.audience.id) ?? [];
          const edges = rows.slice(0, args.first).map((node) => ({
            node,
            cursor: encodeCursor({ ...sort, value: sortValueOf(node, args.sortBy), id: node.id }),
          }));
          results.set(key, {
            edges,
            totalCount: key.audience.contactCount,
            pageInfo: {
              hasNextPage: rows.length > args.first,
              hasPreviousPage: after !== undefined,
              startCursor: edges[0]?.cursor ?? null,
              endCursor: edges.at(-1)?.cursor ?? null,
            },
          });
        }
      }),
    );
    return keys.map((key) => results.get(key)!);
  };
}

/** Items grouped by a derived key, in first-seen order. */
function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): T[][] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    groups.set(key, [...(groups.get(key) ?? []), item]);
  }
  return [...groups.values()];
}
