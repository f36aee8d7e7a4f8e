import type { Knex } from '@mikro-orm/postgresql';
import DataLoader from 'dataloader';
import { type Page, pageWindow, toPage } from '../common/pagination';
import { containsPattern } from '../common/search';
import type { ContactsArgs } from '../contact/contact.args';
import { countMembers, findMembers } from '../contact/contact.repository';
import type { Contact } from '../contact/contact.type';

export interface MembersKey {
  audienceId: string;
  args: ContactsArgs;
}

export interface AudienceLoaders {
  /** Members per audience: one grouped statement for all audiences asked for in a request. */
  contactCount: DataLoader<string, number>;
  /** A page of members per audience: two statements for every audience sharing the same arguments. */
  members: DataLoader<MembersKey, Page<Contact>, string>;
}

function argsKey({ page, limit, search, sortBy, sortOrder }: ContactsArgs): string {
  return JSON.stringify([page, limit, search ?? null, sortBy, sortOrder]);
}

/** Called once per request: loaders cache per request and must never be shared between them. */
export function createAudienceLoaders(db: Knex): AudienceLoaders {
  return {
    contactCount: new DataLoader(async (audienceIds) => {
      const counts = await countMembers(db, audienceIds, undefined);
      return audienceIds.map((id) => counts.get(id) ?? 0);
    }),
    members: new DataLoader(loadMemberPages(db), {
      cacheKeyFn: (key) => `${key.audienceId}:${argsKey(key.args)}`,
    }),
  };
}

function loadMemberPages(db: Knex) {
  return async (keys: readonly MembersKey[]): Promise<Page<Contact>[]> => {
    const groups = new Map<string, MembersKey[]>();
    for (const key of keys) {
      const group = groups.get(argsKey(key.args)) ?? [];
      group.push(key);
      groups.set(argsKey(key.args), group);
    }
    const pages = new Map<MembersKey, Page<Contact>>();
    await Promise.all(
      [...groups.values()].map(async (group) => {
        const args = group[0]!.args;
        const ids = [...new Set(group.map((key) => key.audienceId))];
        const pattern = containsPattern(args.search);
        const [totals, members] = await Promise.all([
          countMembers(db, ids, pattern),
          findMembers(db, ids, {
            pattern,
            sortBy: args.sortBy,
            sortOrder: args.sortOrder,
            window: pageWindow(args),
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
