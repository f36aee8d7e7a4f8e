import { readFileSync } from 'node:fs';
import path from 'node:path';
import { EVENT_TYPE_NAMES } from '../../src/event/event-types';

// The types the database writes (event.sql) are the ones the API lists, filters and documents
// (event-types.ts): a type written in SQL alone could be neither filtered on nor subscribed to.
test('every event type event.sql writes is in EVENT_TYPES, and every one listed is written', () => {
  const sql = readFileSync(path.join(__dirname, '..', '..', 'src', 'event', 'event.sql'), 'utf8');
  const written = new Set(
    [...sql.replace(/--[^\n]*/g, '').matchAll(/'([a-z]+\.[a-z_]+)'/g)].map((match) => match[1]),
  );
  expect([...written].sort()).toEqual([...EVENT_TYPE_NAMES].sort());
});
