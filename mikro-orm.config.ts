import 'reflect-metadata';
import { loadConfig } from './src/config/config';
import { resolveDatabase } from './src/database/database';
import { ormOptions } from './src/database/orm-options';
import { ENTITIES } from './src/features';

// For `npx mikro-orm …`: DATABASE_URL when set, otherwise the embedded PostgreSQL of DATA_DIR
// (started for the command, or the one a running service already holds).
export default (async () => {
  const config = loadConfig();
  const database = await resolveDatabase(config, {
    reuseRunning: true,
    stopWhenIdle: true,
    log: () => undefined,
  });
  return ormOptions({ url: database.url, poolSize: 2, entities: ENTITIES });
})();
