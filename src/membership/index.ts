import type { Knex } from '@mikro-orm/postgresql';
import path from 'node:path';
import type { Actor } from '../organization/actor';
import { AudienceMemberEntity } from './audience-member.entity';
import { createMembershipLoaders } from './membership.loaders';
import { AudienceMembersResolver, ContactAudiencesResolver } from './membership.resolver';
import { membershipRoutes } from './membership.routes';
import { MembershipService } from './membership.service';

/**
 * What the app's assembly (src/features.ts) takes of memberships: the one place they are listed.
 * The loaders are made per request with the service, so that batching never crosses requests.
 */
export const membershipFeature = {
  entities: [AudienceMemberEntity],
  // Its functions and triggers (the copies memberships keep, the audiences' member counts).
  database: [path.join(__dirname, 'membership.sql')],
  resolvers: [AudienceMembersResolver, ContactAudiencesResolver],
  routes: [membershipRoutes],
  services: (db: Knex, actor: Actor | null) => ({
    memberships: new MembershipService(db, actor, createMembershipLoaders(db)),
  }),
};
