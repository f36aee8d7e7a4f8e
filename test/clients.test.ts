import { Client, fetchExchange, gql } from '@urql/core';
import { TestOrganization } from './support/fixtures';
import { TestServer } from './support/test-server';

// The clients this service's users run, with their defaults, against the real server.
let server: TestServer;
let org: TestOrganization;
beforeAll(async () => {
  server = await TestServer.start();
  org = await TestOrganization.create(server.db);
  await org.audience('Reached by urql', { members: 2 });
});
afterAll(() => server.close());

describe('urql', () => {
  // What urql sends, to check that its default (queries as GET) is the one met.
  const methods: string[] = [];
  const client = () =>
    new Client({
      url: `${server.url}/graphql`,
      exchanges: [fetchExchange],
      fetchOptions: { headers: { 'x-api-key': org.apiKey } },
      fetch: (input, init) => {
        methods.push(init?.method ?? 'GET');
        return fetch(input, init);
      },
    });

  test('its default client queries by GET: the key header passes CSRF prevention', async () => {
    const result = await client()
      .query(
        gql`
          {
            audiences {
              data {
                id
                name
                contactCount
              }
            }
          }
        `,
        {},
      )
      .toPromise();
    expect(methods).toEqual(['GET']);
    expect(result.error).toBeUndefined();
    expect(result.data.audiences.data).toEqual([
      { id: expect.any(String), name: 'Reached by urql', contactCount: 2 },
    ]);
  });

  test('and mutates by POST', async () => {
    methods.length = 0;
    const result = await client()
      .mutation(
        gql`
          mutation ($name: String!) {
            createAudience(input: { name: $name }) {
              id
              name
            }
          }
        `,
        {
          name: 'Made by urql',
        },
      )
      .toPromise();
    expect(methods).toEqual(['POST']);
    expect(result.error).toBeUndefined();
    expect(result.data.createAudience.name).toBe('Made by urql');
  });

  test('a GET without the key header (a form or an <img> elsewhere) is still refused by CSRF prevention', async () => {
    const response = await fetch(
      `${server.url}/graphql?query=${encodeURIComponent('{ __typename }')}`,
    );
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/CSRF/);
  });
});
