/**
 * LONG_LOAD=1 runs the long variants of the load, fault and hostile-input tests (`npm run
 * test:long`); CI runs the short ones. docs/reliability.md has the figures of both.
 */
export const LONG_LOAD = process.env.LONG_LOAD === '1';

/** `short` in CI, `long` under LONG_LOAD=1. */
export function longOr<T>(short: T, long: T): T {
  return LONG_LOAD ? long : short;
}
