import type { Knex } from '@mikro-orm/postgresql';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config/config';
import { ApiKeyCache } from '../organization/api-key-cache';
import { throttledWarning } from './throttled-warning';

// What the log says, once, when the API-key listener cannot work as set up.
const HEARING_PROBLEMS = {
  deaf:
    'API keys not cached: the listening connection hears no notifications, as happens through a ' +
    'transaction pooler (PgBouncer). Set LISTEN_DATABASE_URL to a direct connection to the ' +
    'primary; until then every request looks its key up.',
  'other-database':
    'API keys not cached: LISTEN_DATABASE_URL reaches another database than DATABASE_URL (its ' +
    'listener never hears what is sent through the pool). Point it at the same database; until ' +
    'then every request looks its key up.',
} as const;

/**
 * The process's API-key cache, listening for key changes, with what it says about its listener
 * in the app's log; closed with the app.
 */
export async function startApiKeyCache(
  app: FastifyInstance,
  db: Knex,
  config: Partial<Pick<Config, 'listenDatabaseUrl'>>,
): Promise<ApiKeyCache> {
  const warnNotListening = throttledWarning('API keys not cached: not listening for their changes');
  const warnSilent = throttledWarning(
    'API keys not cached: their listener stopped hearing its heartbeats',
  );
  let silenceLogged = false;
  const apiKeys = new ApiKeyCache(db, {
    listenUrl: config.listenDatabaseUrl,
    onListening: (listening, error) => {
      if (!listening) warnNotListening(app.log, { err: error });
    },
    onHearing: (hearing, why) => {
      if (hearing) {
        if (silenceLogged) app.log.info('API keys cached again: their changes are heard');
        silenceLogged = false;
      } else if (why === 'silent') {
        silenceLogged = warnSilent(app.log, {});
      } else {
        app.log.warn(HEARING_PROBLEMS[why ?? 'deaf']);
      }
    },
  });
  await apiKeys.start();
  app.addHook('onClose', () => apiKeys.close());
  return apiKeys;
}
