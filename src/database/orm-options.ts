import { Migrator } from '@mikro-orm/migrations';
import { defineConfig, type Options } from '@mikro-orm/postgresql';
import path from 'node:path';
import { AudienceMemberEntity } from '../audience/audience-member.entity';
import { AudienceEntity } from '../audience/audience.entity';
import { ContactEntity } from '../contact/contact.entity';
import { ApiKeyEntity } from '../organization/api-key.entity';
import { OrganizationEntity } from '../organization/organization.entity';
import { UserEntity } from '../organization/user.entity';

const ENTITIES = [
  OrganizationEntity,
  UserEntity,
  ApiKeyEntity,
  ContactEntity,
  AudienceEntity,
  AudienceMemberEntity,
];

// Resolved from this file so that both `src/` (ts) and `dist/src/` (compiled js) find their own copy.
const MIGRATIONS_DIR = path.resolve(__dirname, '../../migrations');

export interface OrmSettings {
  url: string;
  poolSize?: number;
  /** PostgreSQL's statement_timeout for every connection of the pool; 0 or absent for none. */
  statementTimeoutMs?: number;
}

/** The one MikroORM configuration: used by the service, the CLI, the tests and `npx mikro-orm`. */
export function ormOptions({ url, poolSize = 10, statementTimeoutMs }: OrmSettings): Options {
  return defineConfig({
    clientUrl: url,
    ...(statementTimeoutMs && {
      driverOptions: { connection: { statement_timeout: statementTimeoutMs } },
    }),
    entities: ENTITIES,
    extensions: [Migrator],
    pool: { min: 0, max: poolSize },
    discovery: { warnWhenNoEntities: true },
    migrations: {
      path: MIGRATIONS_DIR,
      pathTs: MIGRATIONS_DIR,
      glob: '!(*.d).{js,ts}',
      tableName: 'mikro_orm_migrations',
      transactional: true,
      allOrNothing: true,
      snapshotName: '.snapshot',
      emit: 'ts',
      // connectOrm reports what it applied, in one line.
      silent: true,
    },
  });
}
