import type { Knex } from '@mikro-orm/postgresql';
import DataLoader from 'dataloader';
import { type Page, pageWindow, toPage } from '../common/pagination';
import { containsPattern } from '../common/search';
import { decodeCursor, encodeCursor } from '../common/cursor';
import type { ContactsArgs, ContactsConnectionArgs } from '../contact/contact.args';
import { countMembers, findMembers, sortValueOf } from '../contact/contact.repository';
import { findContactCounts } from './audience.repository';
import type { Contact, ContactConnection } from '../contact/contact.type';

export interface MembersKey {
  organizationId: string;
  audienceId: string;
  args: ContactsArgs;
}

export interface ConnectionKey {
  organizationId: string;
  audienceId: string;
  args: ContactsConnectionArgs;
}

export interface AudienceLoaders {
  /** Members per audience, as kept on each audience: one statement for all asked in a request. */
  contactCount: DataLoader<string, number>;
  /** A page of members per audience: two statements for every audience sharing the same arguments. */
  members: DataLoader<MembersKey, Page<Contact>, string>;
  /** A cursor page of members per audience: one statement for all audiences sharing the arguments. */
  connections: DataLoader<ConnectionKey, ContactConnection, string>;
}

function membersKey({ organizationId, args }: MembersKey): string {
  const { page, limit, search, sortBy, sortOrder } = args;
  return JSON.stringify([organizationId, page, limit, search ?? null, sortBy, sortOrder]);
}

/** Called once per request: loaders cache per request and must never be shared between them. */
export function createAudienceLoaders(db: Knex): AudienceLoaders {
  const contactCount = new DataLoader<string, number>(async (audienceIds) => {
    const counts = await findContactCounts(db, audienceIds);
    return audienceIds.map((id) => counts.get(id) ?? 0);
  });
  return {
    contactCount,
    members: new DataLoader(loadMemberPages(db, contactCount), {
      cacheKeyFn: (key) => `${key.audienceId}:${membersKey(key)}`,
    }),
    connections: new DataLoader(loadConnections(db, contactCount), {
      cacheKeyFn: (key) => `${key.audienceId}:${connectionKey(key)}`,
    }),
  };
}

function connectionKey({ organizationId, args }: ConnectionKey): string {
  return JSON.stringify([
    organizationId,
    args.first,
    args.after ?? null,
    args.sortBy,
    args.sortOrder,
  ]);
}

function loadConnections(db: Knex, contactCount: DataLoader<string, number>) {
  return async (keys: readonly ConnectionKey[]): Promise<ContactConnection[]> => {
    const results = new Map<ConnectionKey, ContactConnection>();
    await Promise.all(
      groupBy(keys, connectionKey).map(async (group) => {
        const { organizationId, args } = group[0]!;
        const sort = { sortBy: args.sortBy, sortOrder: args.sortOrder };
        const after = args.after ? decodeCursor('after', args.after, sort) : undefined;
        const ids = [...new Set(group.map((key) => key.audienceId))];
        const [members, totals] = await Promise.all([
          findMembers(db, organizationId, ids, {
            ...sort,
            pattern: undefined,
            after,
            limit: args.first + 1,
            offset: 0,
          }),
          contactCount.loadMany(ids),
        ]);
        for (const key of group) {
          const rows = members.get(key.audienceId) ?? [];
          const edges = rows.slice(0, args.first).map((node) => ({
            node,
            cursor: encodeCursor({ ...sort, value: sortValueOf(node, args.sortBy), id: node.id }),
          }));
          const total = totals[ids.indexOf(key.audienceId)];
          results.set(key, {
            edges,
            totalCount: typeof total === 'number' ? total : 0,
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

async function countsOf(
  contactCount: DataLoader<string, number>,
  ids: string[],
): Promise<Map<string, number>> {
  const counts = await contactCount.loadMany(ids);
  return new Map(
    ids.map((id, index) => [id, typeof counts[index] === 'number' ? counts[index] : 0]),
  );
}

/** Keys grouped by a derived key, in first-seen order. */
function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): T[][] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    groups.set(key, [...(groups.get(key) ?? []), item]);
  }
  return [...groups.values()];
}

function loadMemberPages(db: Knex, contactCount: DataLoader<string, number>) {
  return async (keys: readonly MembersKey[]): Promise<Page<Contact>[]> => {
    const pages = new Map<MembersKey, Page<Contact>>();
    await Promise.all(
      groupBy(keys, membersKey).map(async (group) => {
        const { organizationId, args } = group[0]!;
        const ids = [...new Set(group.map((key) => key.audienceId))];
        const pattern = containsPattern(args.search);
        const [totals, members] = await Promise.all([
          // Without a search the total is the kept count; with one, the matches are counted.
          pattern === undefined ? countsOf(contactCount, ids) : countMembers(db, ids, pattern),
          findMembers(db, organizationId, ids, {
            pattern,
            sortBy: args.sortBy,
            sortOrder: args.sortOrder,
            ...pageWindow(args),
          }),
        ]);
        for (const key of group) {
          pages.set(
            key,
            toPage(members.get(key.audienceId) ?? [], totals.get(key.audienceId) ?? 0, args),
          );
        }
      }),
    );
    return keys.map((key) => pages.get(key)!);
  };
}
