declare global {
  /** Stops the embedded PostgreSQL, or drops the database, that global-setup made for the run. */
  var __releaseTestDatabase: (() => Promise<void>) | undefined;
}
export {};
