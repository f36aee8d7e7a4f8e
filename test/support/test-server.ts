import type { Knex, MikroORM } from '@mikro-orm/postgresql';
import type { FastifyInstance } from 'fastify';
import { connectOrm } from '../../src/database/database';
import { type AppOptions, buildApp } from '../../src/server/app';
import { DATABASE_LOGIC, ENTITIES } from '../../src/features';

export interface GraphQLResult<T = Record<string, any>> {
  status: number;
  data?: T | null;
  errors?: {
    message: string;
    path?: string[];
    extensions: { code: string; [key: string]: unknown };
  }[];
}

/** The service on a free loopback port, over the run's database, reached over real HTTP. */
export class TestServer {
  private constructor(
    readonly orm: MikroORM,
    readonly app: FastifyInstance,
    readonly url: string,
  ) {}

  static async start(
    options: Omit<Partial<AppOptions>, 'db' | 'config'> & {
      config?: Partial<AppOptions['config']>;
      /** PostgreSQL's statement_timeout on the service's connections; none when left out. */
      statementTimeoutMs?: number;
      /** Whether it delivers webhooks and prunes events (server/background.ts); off unless true. */
      background?: boolean;
      /** Another database than the tests' own (TEST_DATABASE_URL). */
      databaseUrl?: string;
    } = {},
  ): Promise<TestServer> {
    const { orm } = await connectOrm({
      url: options.databaseUrl ?? process.env.TEST_DATABASE_URL!,
      poolSize: 4,
      statementTimeoutMs: options.statementTimeoutMs ?? 0,
      entities: ENTITIES,
      logic: DATABASE_LOGIC,
    });
    const app = await buildApp({
      db: orm.em.getKnex(),
      demoApiKey: options.demoApiKey,
      logStream: options.logStream,
      background: options.background ?? false,
      config: {
        logLevel: 'silent',
        nodeEnv: 'test',
        playground: true,
        introspection: true,
        rateLimitPerMinute: 0,
        requestTimeoutMs: 30_000,
        responseTimeoutMs: 30_000,
        ...options.config,
      },
    });
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    return new TestServer(orm, app, url);
  }

  get db(): Knex {
    return this.orm.em.getKnex();
  }

  async graphql<T = Record<string, any>>(
    query: string,
    variables: Record<string, unknown> = {},
    apiKey?: string,
  ): Promise<GraphQLResult<T>> {
    const response = await fetch(`${this.url}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(apiKey !== undefined && { 'x-api-key': apiKey }),
      },
      body: JSON.stringify({ query, variables }),
    });
    return {
      status: response.status,
      ...((await response.json()) as Omit<GraphQLResult<T>, 'status'>),
    };
  }

  /** Counts the SQL statements sent while `work` runs (this process serves nothing else meanwhile). */
  async countStatements(work: () => Promise<unknown>): Promise<{ count: number; sql: string[] }> {
    const sql: string[] = [];
    const listener = (query: { sql: string }) => sql.push(query.sql);
    this.db.on('query', listener);
    try {
      await work();
    } finally {
      this.db.removeListener('query', listener);
    }
    return { count: sql.length, sql };
  }

  /** The contact ids of an audience's members, sorted. */
  async memberIds(audienceId: string): Promise<string[]> {
    const rows = await this.db('audience_contact')
      .where({ audience_id: audienceId })
      .select('contact_id');
    return rows.map((row: { contact_id: string }) => row.contact_id).sort();
  }

  /** How many rows of `table` match `where`. */
  async countRows(table: string, where: Record<string, unknown>): Promise<number> {
    const row = (await this.db(table).where(where).count({ n: '*' }).first()) as { n: string };
    return Number(row.n);
  }

  async close(): Promise<void> {
    await this.app.close();
    await this.orm.close();
  }
}

/** The one error of a GraphQL result, asserting there is exactly one. */
export function onlyError(result: GraphQLResult) {
  expect(result.errors).toHaveLength(1);
  return result.errors![0]!;
}
