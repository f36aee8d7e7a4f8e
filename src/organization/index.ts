import path from 'node:path';
import { ApiKeyEntity } from './api-key.entity';
import { OrganizationAudienceCountEntity } from './organization-audience-count.entity';
import { OrganizationSearchGramEntity } from './organization-search-gram.entity';
import { OrganizationEntity } from './organization.entity';
import { UserEntity } from './user.entity';

/**
 * What the app's assembly (src/features.ts) takes of organizations, their users and API keys:
 * tables only. Keys are checked by the assembly before any feature runs (ApiKeyCache).
 */
export const organizationFeature = {
  entities: [
    OrganizationEntity,
    UserEntity,
    ApiKeyEntity,
    OrganizationSearchGramEntity,
    OrganizationAudienceCountEntity,
  ],
  // API keys announce their changes (NOTIFY api_key_changed).
  database: [path.join(__dirname, 'api-key.sql')],
  resolvers: [],
  routes: [],
  services: () => ({}),
};
