// A user's code over the client openapi-typescript generates from /api/openapi.json (./api.d.ts,
// written by test/clients.test.ts) and openapi-fetch: every path, called as the types say.
// Type-checked with tsc, then run against the service.
import createClient from 'openapi-fetch';
import type { paths } from './api';

export async function callEveryPath(baseUrl: string, apiKey: string): Promise<string[]> {
  const client = createClient<paths>({ baseUrl, headers: { 'x-api-key': apiKey } });
  const calls: string[] = [];
  const note = (operation: string, response: Response) =>
    calls.push(`${operation} ${response.status}`);

  const created = await client.POST('/api/audience', {
    body: { name: 'Generated client', description: null },
  });
  note('createAudience', created.response);
  const audienceId: string = created.data!.id;

  const contact = await client.POST('/api/contacts', {
    body: { firstName: 'Gen', lastName: 'Erated', primaryPhone: '+15557770001' },
  });
  note('createContact', contact.response);
  const contactId: string = contact.data!.id;

  const listed = await client.GET('/api/audience', {
    params: { query: { limit: 5, sortBy: 'name', sortOrder: 'asc' } },
  });
  note('listAudiences', listed.response);
  const total: number = listed.data!.meta.total;
  if (total < 1) throw new Error('the new audience is not listed');

  const one = await client.GET('/api/audience/{id}', { params: { path: { id: audienceId } } });
  note('getAudience', one.response);

  const added = await client.POST('/api/audience/{id}/add-contacts', {
    params: { path: { id: audienceId } },
    body: { contacts: [contactId] },
  });
  note('addContactsToAudience', added.response);
  const addedIds: string[] = added.data!;
  if (addedIds[0] !== contactId) throw new Error('add-contacts answered other ids');

  const members = await client.GET('/api/audience/{id}/contacts', {
    params: { path: { id: audienceId }, query: { search: 'gen', sortBy: 'firstName' } },
  });
  note('listAudienceContacts', members.response);
  const firstName: string | undefined = members.data!.data[0]?.firstName;
  if (firstName !== 'Gen') throw new Error('the member is not listed');

  const contacts = await client.GET('/api/contacts', { params: { query: { page: 1 } } });
  note('listContacts', contacts.response);

  const read = await client.GET('/api/contacts/{id}', { params: { path: { id: contactId } } });
  note('getContact', read.response);
  const email: string | null = read.data!.primaryEmail;
  if (email !== null) throw new Error('an e-mail appeared');

  const audiences = await client.GET('/api/contacts/{id}/audiences', {
    params: { path: { id: contactId } },
  });
  note('listContactAudiences', audiences.response);
  const contactCount: number = audiences.data!.data[0]!.contactCount;
  if (contactCount !== 1) throw new Error('the audience does not count its member');

  const updated = await client.PUT('/api/contacts/{id}', {
    params: { path: { id: contactId } },
    body: { primaryEmail: 'gen@example.com', smsConsent: 'SUBSCRIBED' },
  });
  note('updateContact', updated.response);
  const smsStatus: 'SUBSCRIBED' | 'UNSUBSCRIBED' | 'NEVER_SUBSCRIBED' =
    updated.data!.smsConsent.status;
  if (smsStatus !== 'SUBSCRIBED') throw new Error('smsConsent did not change');

  const keyword = await client.PUT('/api/sms/keywords/{keyword}', {
    params: { path: { keyword: 'HALT' } },
    body: { action: 'OPT_OUT' },
  });
  note('setSmsKeyword', keyword.response);

  const keywords = await client.GET('/api/sms/keywords');
  note('listSmsKeywords', keywords.response);
  if (!keywords.data!.some((entry) => entry.keyword === 'HALT' && !entry.builtIn))
    throw new Error('the keyword is not listed');

  const inbound = await client.POST('/api/sms/inbound', {
    body: { from: '+1 555 777 0001', body: 'halt' },
  });
  note('receiveInboundSms', inbound.response);
  const matched: boolean = inbound.data!.matched;
  if (!matched || inbound.data!.smsConsent?.status !== 'UNSUBSCRIBED')
    throw new Error('the keyword did not unsubscribe');

  const removedKeyword = await client.DELETE('/api/sms/keywords/{keyword}', {
    params: { path: { keyword: 'halt' } },
  });
  note('deleteSmsKeyword', removedKeyword.response);

  const optOuts = await client.POST('/api/contacts/opt-outs', {
    body: { channel: 'email', phones: ['+15557770001', '+15557770999'] },
  });
  note('recordOptOuts', optOuts.response);
  const unknownPhones: string[] = optOuts.data!.unknownPhones;
  if (optOuts.data!.unsubscribed !== 1 || unknownPhones[0] !== '+15557770999')
    throw new Error('the opt-out list did not unsubscribe');

  const events = await client.GET('/api/events', { params: { query: { limit: 1000 } } });
  note('listEvents', events.response);
  const eventTypes: string[] = events.data!.data.map((event) => event.type);
  if (!eventTypes.includes('contact.created') || typeof events.data!.meta.nextCursor !== 'string')
    throw new Error('the feed does not hold the contact created');

  // A public address literal: the strict URL rules take it without a DNS look-up, and no
  // delivery runs in this test's instance.
  const webhook = await client.POST('/api/webhooks', {
    body: { url: 'https://93.184.215.14/hook', events: ['contact.created'] },
  });
  note('createWebhook', webhook.response);
  const secret: string = webhook.data!.secret;
  if (!secret.startsWith('whsec_')) throw new Error('no signing secret');
  const webhookId = webhook.data!.id;
  note('listWebhooks', (await client.GET('/api/webhooks')).response);
  const fetched = await client.GET('/api/webhooks/{id}', { params: { path: { id: webhookId } } });
  note('getWebhook', fetched.response);
  const changedWebhook = await client.PUT('/api/webhooks/{id}', {
    params: { path: { id: webhookId } },
    body: { events: ['contact.created', 'audience.created'] },
  });
  note('updateWebhook', changedWebhook.response);
  const replay = await client.POST('/api/webhooks/{id}/replay', {
    params: { path: { id: webhookId } },
    body: { after: events.data!.meta.nextCursor },
  });
  note('replayWebhook', replay.response);
  const deliveries = await client.GET('/api/webhooks/{id}/deliveries', {
    params: { path: { id: webhookId }, query: { limit: 10 } },
  });
  note('listWebhookDeliveries', deliveries.response);
  const attempts: number = deliveries.data!.meta.total;
  if (attempts !== 0) throw new Error('a delivery was recorded where none ran');
  note(
    'deleteWebhook',
    (await client.DELETE('/api/webhooks/{id}', { params: { path: { id: webhookId } } })).response,
  );

  const history = await client.GET('/api/contacts/{id}/consent-history', {
    params: { path: { id: contactId }, query: { limit: 10 } },
  });
  note('listContactConsentHistory', history.response);
  const sources = history.data!.data.map((change) => change.source);
  if (sources.join() !== 'OPT_OUT_LIST,KEYWORD,API') throw new Error(`history: ${sources.join()}`);

  // A taken phone: the error body is typed too, with the phones it names.
  const taken = await client.POST('/api/contacts', {
    body: { firstName: 'Again', lastName: 'Erated', primaryPhone: '+15557770001' },
  });
  note('createContact', taken.response);
  const takenPhones: string[] | undefined = taken.error?.takenPhones;
  if (takenPhones?.[0] !== '+15557770001') throw new Error('takenPhones is missing');

  // A file upload: the body is the CSV text, sent as it is.
  const upload = await client.POST('/api/contacts/imports', {
    params: { query: { audienceId } },
    body: 'firstName,lastName,primaryPhone,primaryEmail\nImp,Orted,+15557770002,\n',
    headers: { 'content-type': 'text/csv' },
    bodySerializer: (body: string) => body,
  });
  note('startContactImport', upload.response);
  const importId: string = upload.data!.id;
  let status: 'queued' | 'running' | 'completed' | 'failed' = upload.data!.status;
  while (status === 'queued' || status === 'running') {
    await new Promise((resolve) => setTimeout(resolve, 50));
    const job = await client.GET('/api/contacts/imports/{id}', {
      params: { path: { id: importId } },
    });
    status = job.data!.status;
    if (status === 'completed' || status === 'failed') note('getContactImport', job.response);
  }
  if (upload.data!.status === 'completed') {
    // Finished before its 202 was read: read once anyway.
    const job = await client.GET('/api/contacts/imports/{id}', {
      params: { path: { id: importId } },
    });
    note('getContactImport', job.response);
  }
  if (status !== 'completed') throw new Error(`the import job is ${status}`);
  const jobs = await client.GET('/api/contacts/imports', { params: { query: { limit: 5 } } });
  note('listContactImports', jobs.response);
  const importedCount: number = jobs.data!.data[0]!.created;
  if (importedCount !== 1) throw new Error('the import job did not create its contact');
  const exported = await client.GET('/api/contacts/export', {
    params: { query: { format: 'ndjson', sortBy: 'primaryPhone', sortOrder: 'asc' } },
    parseAs: 'text',
  });
  note('exportContacts', exported.response);
  const exportedText = exported.data as unknown as string;
  if (!exportedText.includes('"+15557770001"') || !exportedText.includes('"+15557770002"'))
    throw new Error('the export does not hold both contacts');
  const exportedMembers = await client.GET('/api/audience/{id}/contacts/export', {
    params: { path: { id: audienceId }, query: { format: 'csv' } },
    parseAs: 'text',
  });
  note('exportAudienceContacts', exportedMembers.response);
  if (!(exportedMembers.data as unknown as string).includes('+15557770002'))
    throw new Error('the audience export does not hold the imported member');

  const renamed = await client.PUT('/api/audience/{id}', {
    params: { path: { id: audienceId } },
    body: { name: 'Generated client, renamed' },
  });
  note('updateAudience', renamed.response);

  const removed = await client.POST('/api/audience/{id}/remove-contacts', {
    params: { path: { id: audienceId } },
    body: { contacts: [contactId] },
  });
  note('removeContactsFromAudience', removed.response);

  const deletedContact = await client.DELETE('/api/contacts/{id}', {
    params: { path: { id: contactId } },
  });
  note('deleteContact', deletedContact.response);

  const deleted = await client.DELETE('/api/audience/{id}', {
    params: { path: { id: audienceId } },
  });
  note('deleteAudience', deleted.response);
  const deletedAt: string | null = deleted.data!.deletedAt;
  if (deletedAt === null) throw new Error('deletedAt is not set');

  return calls;
}
