// What the generated types must refuse: each line fails to type-check, and tsc fails on an
// unused @ts-expect-error, so a client typed as `any` would fail this file.
import createClient from 'openapi-fetch';
import type { paths } from './api';

export async function misuse(): Promise<void> {
  const client = createClient<paths>({ baseUrl: 'http://localhost' });
  // @ts-expect-error: a path the API does not have.
  await client.GET('/api/audiences');
  // @ts-expect-error: limit is an integer.
  await client.GET('/api/audience', { params: { query: { limit: 'many' } } });
  // @ts-expect-error: a sort field the audiences do not have.
  await client.GET('/api/audience', { params: { query: { sortBy: 'firstName' } } });
  // @ts-expect-error: a new audience needs its name.
  await client.POST('/api/audience', { body: { description: 'no name' } });
  await client.POST('/api/audience/{id}/add-contacts', {
    params: { path: { id: 'x' } },
    // @ts-expect-error: the contacts to add are a list.
    body: { contacts: 'x' },
  });
  const { data } = await client.GET('/api/contacts/{id}', { params: { path: { id: 'x' } } });
  // @ts-expect-error: a contact has no name field.
  void data?.name;
}
