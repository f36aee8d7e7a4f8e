import type { Knex } from '@mikro-orm/postgresql';
import type { FastifyRequest } from 'fastify';
import { UnauthenticatedError } from '../common/errors';
import { type FeatureServices, servicesFor } from '../features';
import type { Actor } from '../organization/actor';
import type { ApiKeyCache } from '../organization/api-key-cache';
import type { ReadRouting } from './read-routing';

/**
 * What one request works with, built in one place for GraphQL and REST alike: the features'
 * services (audiences, contacts, memberships, …; see src/features.ts) and these.
 */
export interface RequestContext extends FeatureServices {
  /**
   * The API key's organization and user; null when no key was sent (only introspection and
   * `_service` then answer, see graphql/key-required.ts).
   */
  actor: Actor | null;
  /** The API key's hash: whose writes a read must see (see ReadRouting). */
  keyHash: string | undefined;
  /** What the request ran, for its log line and the metrics; filled in as it goes. */
  trace: RequestTrace;
  /**
   * Runs `work` with services bound to one database transaction, committed when `work` says so
   * and rolled back otherwise (or when it throws): a GraphQL mutation and every read of its
   * answer, so that an answer that says the mutation failed never stands over a committed write.
   */
  inTransaction<T>(
    work: (context: RequestContext) => Promise<{ value: T; commit: boolean }>,
  ): Promise<T>;
}

export interface RequestTrace {
  /** The GraphQL operation, by type and root fields ("query audiences"); unset on REST. */
  operation?: string;
  /** Whether the GraphQL response carried errors (they still answer 200). */
  failed?: boolean;
  /**
   * Whether the request may have written: a REST call other than a read, or a committed GraphQL
   * mutation. Its key then reads from the primary for a while (see ReadRouting).
   */
  wrote?: boolean;
}

export const API_KEY_HEADER = 'x-api-key';

/**
 * The request's API key: its x-api-key header, or, on a path whose config says `keyInBasicAuth`
 * (an SMS provider's webhook, which can only put credentials in its URL), the password of HTTP
 * Basic auth. The Authorization header is left out of every log line (app.ts).
 */
export function apiKeyOf(request: FastifyRequest): string | string[] | undefined {
  const header = request.headers[API_KEY_HEADER];
  const config = request.routeOptions.config as { keyInBasicAuth?: boolean } | undefined;
  if (header !== undefined || !config?.keyInBasicAuth) return header;
  const basic = /^Basic +([A-Za-z0-9+/=]+) *$/i.exec(request.headers.authorization ?? '');
  if (!basic) return request.headers.authorization === undefined ? undefined : '';
  const credentials = Buffer.from(basic[1]!, 'base64').toString('utf8');
  const colon = credentials.indexOf(':');
  return colon < 0 ? '' : credentials.slice(colon + 1);
}

/**
 * Authenticates the request's API key and builds its services and per-request loaders. A key that
 * is sent but unknown, revoked or malformed is refused at once; a missing key leaves `actor` null,
 * and every scoped operation then refuses with UNAUTHENTICATED.
 */
export async function createRequestContext(
  db: Knex,
  apiKeys: ApiKeyCache,
  apiKeyHeader: string | string[] | undefined,
  { routing, writes }: { routing: ReadRouting; writes: boolean },
): Promise<RequestContext> {
  let key: { actor: Actor; keyHash: string } | null = null;
  if (apiKeyHeader !== undefined) {
    const apiKey = typeof apiKeyHeader === 'string' ? apiKeyHeader.trim() : '';
    key = apiKey ? await apiKeys.actorFor(apiKey) : null;
    if (!key) throw new UnauthenticatedError('The API key in x-api-key is invalid or revoked');
  }
  // A request that may write works on the primary; reads go where the routing says (a replica,
  // unless this key wrote lately). Transactions (GraphQL mutations) are the primary's.
  const reads = writes ? db : await routing.readsFor(key?.keyHash);
  return contextOn(db, reads, key?.actor ?? null, key?.keyHash, { wrote: writes });
}

function contextOn(
  primary: Knex,
  reads: Knex,
  actor: Actor | null,
  keyHash: string | undefined,
  trace: RequestTrace,
): RequestContext {
  return {
    ...servicesFor(reads, actor),
    actor,
    keyHash,
    trace,
    async inTransaction(work) {
      const trx = await primary.transaction();
      try {
        const { value, commit } = await work(contextOn(trx, trx, actor, keyHash, trace));
        // Noted before the commit: one that fails on the way back may still have committed.
        if (commit) trace.wrote = true;
        await (commit ? trx.commit() : trx.rollback());
        return value;
      } catch (error) {
        if (!trx.isCompleted()) await trx.rollback().catch(() => undefined);
        throw error;
      }
    },
  };
}
