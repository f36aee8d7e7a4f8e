import { MikroORM } from '@mikro-orm/postgresql';
import { ormOptions } from '../src/database/orm-options';
import { createDatabase, dropDatabase } from './support/databases';
import { ENTITIES } from '../src/features';

// The migration that makes a phone unique within an organization, run over a database that
// already breaks the rule: it stops, names the duplicates, and merges nothing.
const name = `phones_${Date.now()}_${process.pid}`;
const serverUrl = process.env.TEST_DATABASE_URL!;

let url: string;
beforeAll(async () => {
  url = await createDatabase(serverUrl, name);
});
afterAll(() => dropDatabase(serverUrl, name));

test('existing duplicate phones stop the migration with each one listed; once resolved, it applies', async () => {
  const orm = await MikroORM.init(ormOptions({ url, poolSize: 2, entities: ENTITIES }));
  try {
    const migrator = orm.getMigrator();
    await migrator.up({ to: 'Migration20261127110000' });
    const db = orm.em.getKnex();
    const [one, two] = await db('organization')
      .insert([{ name: 'One' }, { name: 'Two' }])
      .returning('id');
    const contact = (organization: { id: string }, phone: string, first: string) => ({
      organization_id: organization.id,
      first_name: first,
      last_name: 'Dup',
      primary_phone: phone,
    });
    const rows = await db('contact')
      .insert([
        contact(one, '+15550000001', 'A'),
        contact(one, '+15550000001', 'B'),
        contact(one, '+15550000002', 'C'),
        contact(one, '+15550000002', 'D'),
        contact(one, '+15550000002', 'E'),
        // Another organization may share a phone with the first.
        contact(two, '+15550000001', 'F'),
      ])
      .returning(['id', 'first_name']);
    const id = (first: string) => rows.find((row) => row.first_name === first)!.id as string;

    const failure = await migrator.up().then(
      () => undefined,
      (error: Error) => error,
    );
    expect(failure).toBeDefined();
    expect(failure!.message).toContain(
      '2 phone numbers are held by more than one contact of the same organization',
    );
    const detail = failure!.message;
    expect(detail).toContain(`organization ${one.id}, phone +15550000001: 2 contacts`);
    expect(detail).toContain(`organization ${one.id}, phone +15550000002: 3 contacts`);
    for (const first of ['A', 'B', 'C', 'D', 'E']) expect(detail).toContain(id(first));
    expect(detail).not.toContain(id('F'));
    expect(detail).toMatch(/Update or delete the extra contacts/);
    // Nothing merged, nothing applied.
    expect(await db('contact').count({ n: '*' }).first()).toEqual({ n: '6' });
    expect(await migrator.getPendingMigrations()).not.toHaveLength(0);

    await db('contact')
      .whereIn('id', [id('B'), id('D')])
      .delete();
    await db('contact').where('id', id('E')).update({ primary_phone: '+15550000003' });
    await migrator.up();
    expect(await migrator.getPendingMigrations()).toHaveLength(0);
    await expect(db('contact').insert(contact(one, '+15550000001', 'G'))).rejects.toMatchObject({
      code: '23505',
      constraint: 'contact_organization_phone_unique',
    });
  } finally {
    await orm.close();
  }
});
