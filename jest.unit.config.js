/**
 * The fast tier: the pure modules (the sql tag, cursors, the search plan, configuration,
 * validation) without a database, in seconds: `npm run test:unit`. `npm test` runs these too.
 * @type {import('jest').Config}
 */
const full = require('./jest.config');

module.exports = {
  ...full,
  roots: ['<rootDir>/test/unit'],
  globalSetup: undefined,
  globalTeardown: undefined,
};
