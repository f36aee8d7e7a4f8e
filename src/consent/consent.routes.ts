import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ValidationError } from '../common/errors';
import { inputSchema } from '../common/json-schema';
import { PageArgs } from '../common/pagination';
import { idParams } from '../common/rest/id-params';
import { outputSchema } from '../common/rest/output-schema';
import { parseQuery, QUERY_RULES, requireJsonObject } from '../common/rest/query-string';
import { errorResponses } from '../common/rest/rest-errors';
import { InboundSmsInput, OptOutsInput, SmsKeywordInput } from './consent.input';
import { CONSENT_OPERATIONS } from './consent.operations';
import type { ConsentService } from './consent.service';
import { ConsentChangePage, InboundSmsResult, OptOutResult, SmsKeyword } from './consent.type';
import { formEncodedPhone } from './sms-keywords';

/** What the app's assembly gives these routes: the services of a request (its key's actor). */
export interface ConsentRouteOptions {
  servicesOf: (request: FastifyRequest) => { consent: ConsentService };
}

// An opt-out list of 100,000 phones is about 1.7 MB of JSON; 32 characters a phone fit in 4 MiB.
const OPT_OUTS_BODY_LIMIT = 4 * 1024 * 1024;
// What an SMS provider's webhook posts is a few hundred bytes.
const INBOUND_BODY_LIMIT = 64 * 1024;
const FORM = 'application/x-www-form-urlencoded';

// The fields of a provider's webhook this path reads; the others it posts are ignored.
const INBOUND_FORM_SCHEMA = {
  type: 'object',
  required: ['From', 'Body'],
  additionalProperties: true,
  properties: {
    From: { type: 'string', description: 'The sender’s phone, in E.164 whatever its spacing.' },
    Body: { type: 'string', description: 'The message.' },
  },
} as const;

const KEYWORD_PARAMS = {
  type: 'object',
  required: ['keyword'],
  properties: { keyword: { type: 'string', description: 'The keyword (any case).' } },
} as const;

/** The consent paths: a contact's record, opt-out lists, inbound messages and SMS keywords. */
export async function consentRoutes(
  app: FastifyInstance,
  { servicesOf }: ConsentRouteOptions,
): Promise<void> {
  app.get<{ Params: { id: string } }>(
    '/contacts/:id/consent-history',
    {
      schema: {
        summary: 'Get the record of a contact’s consent changes',
        operationId: 'listContactConsentHistory',
        description: `${CONSENT_OPERATIONS.history} ${QUERY_RULES}`,
        tags: ['contacts'],
        params: idParams('The contact id.'),
        querystring: inputSchema(PageArgs),
        response: { 200: outputSchema(ConsentChangePage), ...errorResponses(404) },
      },
    },
    (request) =>
      servicesOf(request).consent.history(request.params.id, parseQuery(PageArgs, request.query)),
  );

  app.post(
    '/contacts/opt-outs',
    {
      bodyLimit: OPT_OUTS_BODY_LIMIT,
      schema: {
        summary: 'Unsubscribe an opt-out list of phones',
        operationId: 'recordOptOuts',
        description: CONSENT_OPERATIONS.optOuts,
        tags: ['contacts'],
        body: inputSchema(OptOutsInput),
        response: { 200: outputSchema(OptOutResult), ...errorResponses(413) },
      },
    },
    (request) => servicesOf(request).consent.recordOptOutList(requireJsonObject(request.body)),
  );

  await app.register(inboundRoute, { servicesOf });

  app.get(
    '/sms/keywords',
    {
      schema: {
        summary: 'Get the inbound SMS keywords',
        operationId: 'listSmsKeywords',
        description: CONSENT_OPERATIONS.keywords,
        tags: ['sms'],
        response: { 200: { type: 'array', items: outputSchema(SmsKeyword) }, ...errorResponses() },
      },
    },
    (request) => servicesOf(request).consent.keywords(),
  );

  app.put<{ Params: { keyword: string } }>(
    '/sms/keywords/:keyword',
    {
      schema: {
        summary: 'Add or change an SMS keyword of your organization',
        operationId: 'setSmsKeyword',
        description: `${CONSENT_OPERATIONS.setKeyword} The body names the action; the path, the keyword.`,
        tags: ['sms'],
        params: KEYWORD_PARAMS,
        body: {
          type: 'object',
          required: ['action'],
          additionalProperties: false,
          properties: { action: inputSchema(SmsKeywordInput).properties!.action! },
        },
        response: { 200: outputSchema(SmsKeyword), ...errorResponses(413) },
      },
    },
    (request) => {
      const body = requireJsonObject(request.body);
      const extra = Object.keys(body).find((name) => name !== 'action');
      if (extra) throw ValidationError.of(extra, `property ${extra} should not exist`);
      return servicesOf(request).consent.setKeyword({
        keyword: request.params.keyword,
        action: body.action as SmsKeywordInput['action'],
      });
    },
  );

  app.delete<{ Params: { keyword: string } }>(
    '/sms/keywords/:keyword',
    {
      schema: {
        summary: 'Remove an SMS keyword of your organization',
        operationId: 'deleteSmsKeyword',
        description: CONSENT_OPERATIONS.deleteKeyword,
        tags: ['sms'],
        params: KEYWORD_PARAMS,
        response: { 200: outputSchema(SmsKeyword), ...errorResponses(404) },
      },
    },
    (request) => servicesOf(request).consent.deleteKeyword(request.params.keyword),
  );
}

/**
 * POST /api/sms/inbound, in a scope of its own: it alone takes form-encoded bodies, and its key may
 * come as the password of HTTP Basic auth (see apiKeyOf in server/rest/api-plugin.ts), since an SMS
 * provider's webhook carries credentials in its URL. A 401 here asks for them
 * (WWW-Authenticate), which is how such providers learn to send them.
 */
async function inboundRoute(app: FastifyInstance, { servicesOf }: ConsentRouteOptions) {
  app.addContentTypeParser(
    FORM,
    { parseAs: 'string' },
    async (_request: FastifyRequest, text: string | Buffer) => formFields(text as string),
  );
  app.addHook('onSend', async (_request, reply, payload) => {
    if (reply.statusCode === 401)
      void reply.header('www-authenticate', 'Basic realm="audience-gateway", charset="UTF-8"');
    return payload;
  });
  app.post(
    '/sms/inbound',
    {
      bodyLimit: INBOUND_BODY_LIMIT,
      config: { keyInBasicAuth: true },
      schema: {
        summary: 'Take an inbound text message (SMS provider webhook)',
        operationId: 'receiveInboundSms',
        description: `${CONSENT_OPERATIONS.inbound} The body is JSON ({ "from", "body" }) or the form fields a provider posts (From, Body; the others are ignored). The API key comes in x-api-key or as the password of HTTP Basic auth (https://any:KEY@host/api/sms/inbound).`,
        tags: ['sms'],
        security: [{ apiKey: [] }, { basicAuth: [] }],
        body: {
          content: {
            'application/json': { schema: inputSchema(InboundSmsInput) },
            [FORM]: { schema: INBOUND_FORM_SCHEMA },
          },
        },
        response: { 200: outputSchema(InboundSmsResult), ...errorResponses(413) },
      },
    },
    (request) => {
      const { consent } = servicesOf(request);
      if (request.headers['content-type']?.startsWith(FORM)) {
        const fields = request.body as Record<string, string>;
        return consent.inbound({
          from: formEncodedPhone(fields.From ?? ''),
          body: fields.Body ?? '',
        });
      }
      return consent.inbound(requireJsonObject(request.body));
    },
  );
}

/** A form-encoded body's fields; a field sent twice is refused, as a query parameter is. */
function formFields(text: string): Record<string, string> {
  const fields: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [name, value] of new URLSearchParams(text)) {
    if (name in fields) throw ValidationError.of(name, `${name} is sent twice`);
    fields[name] = value;
  }
  for (const name of ['From', 'Body']) {
    if (!(name in fields)) throw ValidationError.of(name, `${name} is required`);
  }
  return fields;
}
