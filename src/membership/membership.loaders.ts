import type { Knex } from '@mikro-orm/postgresql';
import DataLoader from 'dataloader';
import { type CursorScope, decodeCursor, encodeCursor } from '../common/cursor';
import { type Page, pageWindow, toPage } from '../common/pagination';
import { type SearchTerm, searchTerm } from '../common/search';
import type { ContactsArgs, ContactsConnectionArgs } from '../contact/contact.args';
import { sortValueOf } from '../contact/contact.repository';
import { type ConsentFilter, consentFilterOf, consentFilterTag } from '../contact/consent.args';
import { keptConsentMatches } from '../contact/consent.columns';
import {
  countMatchingMembers,
  findContactAudiences,
  findMembers,
  type MembersQuery,
} from './membership.repository';
import type { Contact, ContactConnection } from '../contact/contact.type';
import type { ContactAudiencesArgs } from './membership.args';
import type { Audience } from '../audience/audience.type';

export interface MembersKey {
  audience: Audience;
  args: ContactsArgs;
}

export interface ContactAudiencesKey {
  contact: Contact;
  args: ContactAudiencesArgs;
}

export interface ConnectionKey {
  audience: Audience;
  args: ContactsConnectionArgs;
}

/**
 * The members of many audiences in one request come in a constant number of statements. Member
 * counts need none: each audience row keeps its own (only a search's matches are counted).
 */
export interface MembershipLoaders {
  /** A page of members per audience: one statement for every audience sharing the arguments, two with a search. */
  members: DataLoader<MembersKey, Page<Contact>, string>;
  /** A cursor page of members per audience: the same statements. */
  connections: DataLoader<ConnectionKey, ContactConnection, string>;
  /** A page of each contact's live audiences: one statement for every contact sharing the arguments. */
  contactAudiences: DataLoader<ContactAudiencesKey, Page<Audience>, string>;
}

function membersKey({ audience, args }: MembersKey): string {
  const { page, limit, search, sortBy, sortOrder } = args;
  const filter = consentFilterTag(consentFilterOf(args));
  return JSON.stringify([
    audience.organizationId,
    page,
    limit,
    search ?? null,
    sortBy,
    sortOrder,
    filter,
  ]);
}

function contactAudiencesKey({ contact, args }: ContactAudiencesKey): string {
  const { page, limit, sortBy, sortOrder } = args;
  return JSON.stringify([contact.organizationId, page, limit, sortBy, sortOrder]);
}

function connectionKey({ audience, args }: ConnectionKey): string {
  return JSON.stringify([
    audience.organizationId,
    args.first,
    args.after ?? null,
    args.search ?? null,
    args.sortBy,
    args.sortOrder,
    consentFilterTag(consentFilterOf(args)),
  ]);
}

/**
 * What a `contactsConnection` cursor belongs to: its sort, search and consent filter. The one
 * place it is made, for the page read and for the arguments' check before a mutation runs.
 */
export function connectionCursorScope(args: ContactsConnectionArgs): CursorScope {
  return {
    sortBy: args.sortBy,
    sortOrder: args.sortOrder,
    search: args.search,
    filter: consentFilterTag(consentFilterOf(args)),
  };
}

/** Called once per request: loaders cache per request and must never be shared between them. */
export function createMembershipLoaders(db: Knex): MembershipLoaders {
  return {
    members: new DataLoader(loadMemberPages(db), {
      cacheKeyFn: (key) => `${key.audience.id}:${membersKey(key)}`,
    }),
    connections: new DataLoader(loadConnections(db), {
      cacheKeyFn: (key) => `${key.audience.id}:${connectionKey(key)}`,
    }),
    contactAudiences: new DataLoader(loadContactAudiences(db), {
      cacheKeyFn: (key) => `${key.contact.id}:${contactAudiencesKey(key)}`,
    }),
  };
}

/**
 * The members of each audience: a search is counted first, since its exact total is both the
 * page's `total` and what chooses how the page is read (see searchPlan).
 */
async function readMembers(
  db: Knex,
  audiences: readonly Audience[],
  filter: { search: SearchTerm | undefined; consent: ConsentFilter },
  query: Omit<MembersQuery, 'search' | 'consent'>,
): Promise<{ totals: Map<string, number>; members: Map<string, Contact[]> }> {
  const { search, consent } = filter;
  const unique = [...new Map(audiences.map((audience) => [audience.id, audience])).values()];
  // Unsearched, the audience rows the resolver has keep the matches (no statement), unless the
  // filter is on both channels.
  const kept = (audience: Audience) => (search ? undefined : keptConsentMatches(audience, consent));
  const matches = unique.every((audience) => kept(audience) !== undefined)
    ? undefined
    : await countMatchingMembers(
        db,
        unique.map((audience) => audience.id),
        search,
        consent,
      );
  const scopes = unique.map((audience) => ({
    audienceId: audience.id,
    members: audience.contactCount,
    matches: matches ? (matches.get(audience.id) ?? 0) : kept(audience)!,
  }));
  const members = await findMembers(db, audiences[0]!.organizationId, scopes, {
    ...query,
    ...filter,
  });
  return { totals: new Map(scopes.map((scope) => [scope.audienceId, scope.matches])), members };
}

function loadMemberPages(db: Knex) {
  return async (keys: readonly MembersKey[]): Promise<Page<Contact>[]> => {
    const pages = new Map<MembersKey, Page<Contact>>();
    await Promise.all(
      groupBy(keys, membersKey).map(async (group) => {
        const { args } = group[0]!;
        const { totals, members } = await readMembers(
          db,
          group.map((key) => key.audience),
          { search: searchTerm(args.search), consent: consentFilterOf(args) },
          { sortBy: args.sortBy, sortOrder: args.sortOrder, ...pageWindow(args) },
        );
        for (const key of group) {
          const id = key.audience.id;
          pages.set(key, toPage(members.get(id) ?? [], totals.get(id) ?? 0, args));
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
        const { args } = group[0]!;
        const sort = { sortBy: args.sortBy, sortOrder: args.sortOrder };
        const consent = consentFilterOf(args);
        const scope = connectionCursorScope(args);
        const after = args.after ? decodeCursor('after', args.after, scope) : undefined;
        const { totals, members } = await readMembers(
          db,
          group.map((key) => key.audience),
          { search: searchTerm(args.search), consent },
          { ...sort, after, limit: args.first + 1, offset: 0 },
        );
        for (const key of group) {
          const rows = members.get(key.audience.id) ?? [];
          const edges = rows.slice(0, args.first).map((node) => ({
            node,
            cursor: encodeCursor(scope, { value: sortValueOf(node, args.sortBy), id: node.id }),
          }));
          results.set(key, {
            edges,
            totalCount: totals.get(key.audience.id) ?? 0,
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

function loadContactAudiences(db: Knex) {
  return async (keys: readonly ContactAudiencesKey[]): Promise<Page<Audience>[]> => {
    const pages = new Map<ContactAudiencesKey, Page<Audience>>();
    await Promise.all(
      groupBy(keys, contactAudiencesKey).map(async (group) => {
        const { contact, args } = group[0]!;
        const found = await findContactAudiences(
          db,
          contact.organizationId,
          group.map((key) => key.contact.id),
          { sortBy: args.sortBy, sortOrder: args.sortOrder, window: pageWindow(args) },
        );
        for (const key of group) {
          const { audiences, total } = found.get(key.contact.id)!;
          pages.set(key, toPage(audiences, total, args));
        }
      }),
    );
    return keys.map((key) => pages.get(key)!);
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
