import type { Knex } from '@mikro-orm/postgresql';
import type { Actor } from '../organization/actor';
import { ContactImportJobEntity } from './import-job.entity';
import { ImportResolver } from './import.resolver';
import { importRoutes } from './import.routes';
import { ContactImportService } from './import.service';
import { exportRoutes } from './export.routes';
import { ContactExportService } from './export.service';

/**
 * What the app's assembly (src/features.ts) takes of bulk work: import jobs (run by
 * import-runner.ts, which the app starts) and exports.
 */
export const bulkFeature = {
  entities: [ContactImportJobEntity],
  database: [],
  resolvers: [ImportResolver],
  routes: [importRoutes, exportRoutes],
  services: (db: Knex, actor: Actor | null) => ({
    contactImports: new ContactImportService(db, actor),
    contactExports: new ContactExportService(db, actor),
  }),
};
