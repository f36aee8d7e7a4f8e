import { NodeResolver } from './node.resolver';

/**
 * What the app's assembly (src/features.ts) takes of Relay's global object identification: the
 * `node` and `nodes` root fields, which read through the audience and contact services.
 */
export const nodeFeature = {
  entities: [],
  database: [],
  resolvers: [NodeResolver],
  routes: [],
  services: () => ({}),
};
