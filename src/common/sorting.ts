import { registerEnumType } from 'type-graphql';

/** Sort direction, in the REST contract's own words. */
export enum SortOrder {
  asc = 'asc',
  desc = 'desc',
}

registerEnumType(SortOrder, {
  name: 'SortOrder',
  description:
    'Sort direction; ties are broken by id in the same direction, so pages never overlap.',
  valuesConfig: {
    asc: { description: 'Ascending: A to Z, oldest first.' },
    desc: { description: 'Descending: Z to A, newest first.' },
  },
});
