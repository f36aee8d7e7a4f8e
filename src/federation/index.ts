import { FederationResolver } from './federation.resolver';

/**
 * What the app's assembly (src/features.ts) takes of federation: the root fields a router calls,
 * which read through the other features' services.
 */
export const federationFeature = {
  entities: [],
  database: [],
  resolvers: [FederationResolver],
  routes: [],
  services: () => ({}),
};
