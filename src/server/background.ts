import { type Knex, knex } from '@mikro-orm/postgresql';
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import type { Config } from '../config/config';
import { pruneJobs } from '../bulk/import-job.repository';
import { pruneEvents } from '../event/event-retention';
import { WebhookDeliverer } from '../webhook/webhook-deliverer';
import { pruneDeliveries } from '../webhook/webhook.repository';
import { webhookPolicy } from '../webhook/webhook-policy';

export type BackgroundConfig = Pick<Config, 'eventRetentionDays' | 'webhookLeaseMs'>;

// Retention runs a minute after the start (not in the way of a start under load), then hourly.
const FIRST_PRUNE_MS = 60_000;
const PRUNE_EVERY_MS = 3_600_000;

/**
 * The work of every instance that no request asks for: delivering webhooks and pruning events
 * (and webhook deliveries and finished import jobs) past their retention. It runs on a small pool of its own (named in pg_stat_activity), so that
 * neither a slow receiver nor a long prune ever takes a connection from the requests; it stops
 * with the app.
 */
export function startBackgroundWork(app: FastifyInstance, db: Knex, config: BackgroundConfig) {
  const settings = db.client.connectionSettings as pg.ClientConfig;
  const background = knex({
    client: 'pg',
    connection: {
      ...(settings as Knex.PgConnectionConfig),
      // knex keeps the password out of the settings' enumerable properties (out of logs).
      password: settings.password as string | undefined,
      application_name: `audience-gateway background (pid ${process.pid})`,
    },
    pool: { min: 0, max: 3 },
  });
  // Said once when delivery stops working, and once when it works again: an outage of the
  // database would otherwise be a line every poll.
  let failing = false;
  const deliverer = new WebhookDeliverer(background, {
    leaseMs: config.webhookLeaseMs,
    policy: webhookPolicy(),
    onError: (error) => {
      if (failing) return;
      failing = true;
      // Info, not a warning: the outage itself is what requests warn of; this resumes by itself.
      app.log.info({ err: error }, 'webhook delivery paused: the database cannot be reached');
    },
    onPolled: () => {
      if (!failing) return;
      failing = false;
      app.log.info('webhook delivery resumed');
    },
  });
  deliverer.start();
  const prune = async () => {
    try {
      const events = await pruneEvents(background, config.eventRetentionDays);
      const deliveries = await pruneDeliveries(background, config.eventRetentionDays);
      const importJobs = await pruneJobs(background, config.eventRetentionDays);
      if (events + deliveries + importJobs > 0) {
        app.log.info(
          { events, deliveries, importJobs, days: config.eventRetentionDays },
          'pruned past retention',
        );
      }
    } catch (error) {
      app.log.warn({ err: error }, 'events could not be pruned; trying again in an hour');
    }
  };
  let timer = setTimeout(function run() {
    void prune();
    timer = setTimeout(run, PRUNE_EVERY_MS);
    timer.unref();
  }, FIRST_PRUNE_MS);
  timer.unref();
  app.addHook('onClose', async () => {
    clearTimeout(timer);
    await deliverer.close();
    await background.destroy();
  });
}
