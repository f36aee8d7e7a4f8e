import { auditServer } from 'graphql-http';
import { TestServer } from './support/test-server';

/**
 * The SHOULDs of the GraphQL-over-HTTP spec this service does not meet, each with its reason in
 * docs/graphql.md ("GraphQL over HTTP"). Apollo Server answers a request that cannot run (parse,
 * validation or variable errors) with 400 even under `accept: application/json`, where the spec's
 * legacy mode recommends 200; clients that ask for application/graphql-response+json get what the
 * spec wants.
 */
const KNOWN_SHOULD_FAILURES = [
  'SHOULD use 200 status code on document parsing failure when accepting application/json',
  'SHOULD use 200 status code on document validation failure when accepting application/json',
  'SHOULD use a status code of 200 on variable coercion failure when accepting application/json',
];

test('the graphql-http audit: every MUST passes; the SHOULDs that fail are the documented ones', async () => {
  const server = await TestServer.start();
  try {
    const results = await auditServer({ url: `${server.url}/graphql` });
    const failing = (level: string) =>
      results
        .filter((result) => result.name.startsWith(`${level} `) && result.status !== 'ok')
        .map((result) => ({ name: result.name, reason: 'reason' in result ? result.reason : '' }));
    expect(results.filter((result) => result.name.startsWith('MUST ')).length).toBeGreaterThan(10);
    expect(failing('MUST')).toEqual([]);
    expect(
      failing('SHOULD')
        .map((result) => result.name)
        .sort(),
    ).toEqual([...KNOWN_SHOULD_FAILURES].sort());
  } finally {
    await server.close();
  }
});
