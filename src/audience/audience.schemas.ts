import { outputSchema } from '../common/rest/output-schema';
import { Audience, AudiencePage } from './audience.type';

/**
 * AudienceResponse of the contract: an audience without its member count (nor its consent counts,
 * which stand beside the member count on the list's rows).
 */
export const AUDIENCE_RESPONSE_SCHEMA = outputSchema(Audience, {
  omit: [
    'contactCount',
    'smsSubscribedCount',
    'smsUnsubscribedCount',
    'emailSubscribedCount',
    'emailUnsubscribedCount',
  ],
  description: 'An audience (AudienceResponse).',
});

/** AudienceListResponse of the contract: AudienceWithCountResponse items and PaginationMeta. */
export const AUDIENCE_LIST_RESPONSE_SCHEMA = outputSchema(AudiencePage, {
  description: 'A page of audiences, each with its member count (AudienceListResponse).',
});
