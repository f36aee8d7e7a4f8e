declare global {
  /** Stops the embedded PostgreSQL that global-setup started (shared with global-teardown). */
  var __stopTestDatabase: (() => Promise<void>) | undefined;
}
export {};
