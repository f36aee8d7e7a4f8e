import type { Knex } from '@mikro-orm/postgresql';
import { AudienceSortField } from '../src/audience/audience.args';
import { AudienceService } from '../src/audience/audience.service';
import type { Audience } from '../src/audience/audience.type';
import { SortOrder } from '../src/common/sorting';
import { ContactSortField } from '../src/contact/contact.args';
import { ContactService } from '../src/contact/contact.service';
import { TestOrganization } from './support/fixtures';
import { TestServer } from './support/test-server';

// Every read answers exactly what the plain query over the contacts would: the same rows in the
// same order, and the same total, whichever plan the service picks (walking a sort key's index or
// filtering the matches first, the copies on the membership rows, the search text). The plain
// query here is the service's former SQL: ILIKE on each field, sorted by the contact's own columns.
let server: TestServer;
let org: TestOrganization;
let audiences: Audience[];

const FIRST = ['John', 'john', 'JOHN', 'Jöhn', 'Ma%rk', 'an_na', 'Émile', "O'Neil", 'Zoe', 'Mia'];
const LAST = ['Doe', 'Johnson', 'Smith', 'Lopez', 'Ünal', 'A\\B', 'Ma'];

beforeAll(async () => {
  server = await TestServer.start();
  org = await TestOrganization.create(server.db);
  const contacts = await org.contacts(160, (index) => ({
    firstName: FIRST[(index * 7) % FIRST.length],
    lastName: LAST[(index * 3) % LAST.length],
    primaryPhone: `+1555${String((index * 37) % 1000).padStart(3, '0')}${String(index).padStart(4, '0')}`,
  }));
  // Ties in createdAt, set after the memberships exist: the change must reach their copies.
  const tied = contacts.filter((_, index) => index % 5 === 0).map((contact) => contact.id);
  audiences = [
    await org.audience('Everyone', { members: contacts }),
    await org.audience('Some', { members: contacts.filter((_, index) => index % 4 === 1) }),
    await org.audience('Three', { members: contacts.slice(10, 13) }),
    await org.audience('Nobody'),
  ];
  await server.db('contact').whereIn('id', tied).update({ created_at: '2026-01-01T00:00:00Z' });
  // Another organization with the same names: never part of an answer.
  const other = await TestOrganization.create(server.db, 'Other');
  await other.audience('Everyone', {
    members: await other.contacts(20, () => ({ firstName: 'John' })),
  });
  const reread = new AudienceService(server.db, org.actor);
  audiences = await Promise.all(audiences.map((audience) => reread.get(audience.id)));
});
afterAll(() => server.close());

const SEARCHES = [
  undefined,
  'j',
  'JO',
  'john',
  'jöh',
  'ö',
  'n',
  '55',
  '5550',
  '+1',
  '%',
  '_',
  '\\',
  "o'n",
  'zoe',
  'zzzz',
  'e\nd',
];
const SORTS = Object.values(ContactSortField).flatMap((sortBy) =>
  Object.values(SortOrder).map((sortOrder) => ({ sortBy, sortOrder })),
);
const COLUMNS: Record<string, string> = {
  firstName: 'first_name',
  lastName: 'last_name',
  primaryPhone: 'primary_phone',
  createdAt: 'created_at',
};

function pattern(search: string | undefined): string | undefined {
  const term = search?.trim();
  return term ? `%${term.replace(/[\\%_]/g, (char) => `\\${char}`)}%` : undefined;
}

/** The matching ids in order, by the plain query. */
async function expected(
  db: Knex,
  scope: { audienceId?: string },
  search: string | undefined,
  sortBy: string,
  sortOrder: string,
): Promise<string[]> {
  const like = pattern(search);
  const direction = sortOrder === 'asc' ? 'asc' : 'desc';
  const { rows } = await db.raw<{ rows: { id: string }[] }>(
    `select c.id from contact c
     where c.organization_id = ?
       ${scope.audienceId ? 'and exists (select 1 from audience_contact ac where ac.audience_id = ? and ac.contact_id = c.id)' : ''}
       ${like ? 'and (c.first_name ilike ? or c.last_name ilike ? or c.primary_phone ilike ?)' : ''}
     order by c.${COLUMNS[sortBy]} ${direction}, c.id ${direction}`,
    [
      org.organizationId,
      ...(scope.audienceId ? [scope.audienceId] : []),
      ...(like ? [like, like, like] : []),
    ],
  );
  return rows.map((row) => row.id);
}

const ids = (items: { id: string }[]) => items.map((item) => item.id);

test.each(SEARCHES.map((search) => [JSON.stringify(search), search]))(
  'audience member pages with search %s are the plain query’s, for every sort and page',
  async (_, search) => {
    for (const audience of audiences) {
      for (const { sortBy, sortOrder } of SORTS) {
        const all = await expected(
          server.db,
          { audienceId: audience.id },
          search,
          sortBy,
          sortOrder,
        );
        const limit = 7;
        const lastPage = Math.max(1, Math.ceil(all.length / limit));
        for (const page of new Set([1, 2, lastPage, lastPage + 1])) {
          const answer = await org.memberships.contacts(audience, {
            page,
            limit,
            search,
            sortBy,
            sortOrder,
          });
          expect({
            audience: audience.name,
            sortBy,
            sortOrder,
            page,
            total: answer.meta.total,
            ids: ids(answer.data),
          }).toEqual({
            audience: audience.name,
            sortBy,
            sortOrder,
            page,
            total: all.length,
            ids: all.slice((page - 1) * limit, page * limit),
          });
        }
      }
    }
  },
);

test.each(SEARCHES.map((search) => [JSON.stringify(search), search]))(
  'walking contactsConnection with search %s visits the plain query’s rows in order',
  async (_, search) => {
    const [everyone, some] = audiences as [Audience, Audience];
    for (const audience of [everyone, some]) {
      for (const { sortBy, sortOrder } of SORTS) {
        const all = await expected(
          server.db,
          { audienceId: audience.id },
          search,
          sortBy,
          sortOrder,
        );
        const seen: string[] = [];
        let after: string | null = null;
        for (;;) {
          const page = await org.memberships.contactsConnection(audience, {
            first: 9,
            after,
            search,
            sortBy,
            sortOrder,
          });
          expect(page.totalCount).toBe(all.length);
          seen.push(...page.edges.map((edge) => edge.node.id));
          if (!page.pageInfo.hasNextPage) break;
          after = page.pageInfo.endCursor;
        }
        expect(seen).toEqual(all);
      }
    }
  },
);

test.each(SEARCHES.map((search) => [JSON.stringify(search), search]))(
  'organization contact pages with search %s are the plain query’s',
  async (_, search) => {
    const contacts = new ContactService(server.db, org.actor);
    for (const { sortBy, sortOrder } of SORTS) {
      const all = await expected(server.db, {}, search, sortBy, sortOrder);
      const limit = 11;
      const lastPage = Math.max(1, Math.ceil(all.length / limit));
      for (const page of new Set([1, 3, lastPage, lastPage + 1])) {
        const answer = await contacts.list({ page, limit, search, sortBy, sortOrder });
        expect(answer.meta.total).toBe(all.length);
        expect(ids(answer.data)).toEqual(all.slice((page - 1) * limit, page * limit));
      }
    }
  },
);

test('audience pages with every search and sort are the plain query’s', async () => {
  const more = await TestOrganization.create(server.db, 'Many audiences');
  const names = ['VIP', 'vip club', 'Newsletter', 'News 100%', 'under_score', 'Émile fans'];
  for (let index = 0; index < 30; index += 1) {
    await more.audience(`${names[index % names.length]} ${index % 7}`, {
      description: index % 3 === 0 ? undefined : `Campaign ${index % 4} for VIP and news`,
    });
  }
  const service = more.audiences;
  await service.delete((await service.list({ limit: 1 })).data[0]!.id);
  const columns: Record<string, string> = {
    name: 'name',
    createdAt: 'created_at',
    updatedAt: 'updated_at',
  };
  for (const search of [undefined, 'v', 'VI', 'vip', 'news', '%', '_', 'é', 'campaign 2', 'zzz']) {
    for (const sortBy of Object.values(AudienceSortField)) {
      for (const sortOrder of Object.values(SortOrder)) {
        const like = pattern(search);
        const direction = sortOrder === 'asc' ? 'asc' : 'desc';
        const { rows } = await server.db.raw<{ rows: { id: string }[] }>(
          `select id from audience where organization_id = ? and deleted_at is null
           ${like ? 'and (name ilike ? or description ilike ?)' : ''}
           order by ${columns[sortBy]} ${direction}, id ${direction}`,
          [more.organizationId, ...(like ? [like, like] : [])],
        );
        const all = rows.map((row) => row.id);
        for (const page of [1, 2, 4]) {
          const answer = await service.list({ page, limit: 8, search, sortBy, sortOrder });
          expect(answer.meta.total).toBe(all.length);
          expect(ids(answer.data)).toEqual(all.slice((page - 1) * 8, page * 8));
        }
      }
    }
  }
});

test('audience pages read straight from the index and by ids first agree with the plain query', async () => {
  // Pages below offset 200 are read straight from the sort's index, later ones by ids first.
  const many = await TestOrganization.create(server.db, 'Hundreds of audiences');
  await server.db('audience').insert(
    Array.from({ length: 260 }, (_, index) => ({
      organization_id: many.organizationId,
      name: `Audience ${index % 40}`,
      created_at: new Date(Date.UTC(2026, 0, 1 + (index % 50))),
      updated_at: new Date(Date.UTC(2026, 0, 1 + (index % 13))),
    })),
  );
  const columns: Record<string, string> = {
    name: 'name',
    createdAt: 'created_at',
    updatedAt: 'updated_at',
  };
  for (const sortBy of Object.values(AudienceSortField)) {
    for (const sortOrder of Object.values(SortOrder)) {
      const { rows } = await server.db.raw<{ rows: { id: string }[] }>(
        `select id from audience where organization_id = ? and deleted_at is null
         order by ${columns[sortBy]} ${sortOrder}, id ${sortOrder}`,
        [many.organizationId],
      );
      const all = rows.map((row) => row.id);
      for (const [page, limit] of [
        [1, 100],
        [2, 100],
        [3, 100],
        [28, 7],
        [29, 7],
        [30, 7],
        [38, 7],
        [40, 7],
      ] as const) {
        const answer = await many.audiences.list({ page, limit, sortBy, sortOrder });
        expect(answer.meta.total).toBe(260);
        expect(ids(answer.data)).toEqual(all.slice((page - 1) * limit, page * limit));
      }
    }
  }
});
