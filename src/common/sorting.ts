import { IsEnum } from 'class-validator';
import { Field, registerEnumType } from 'type-graphql';

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

/**
 * A list's `sortBy` argument: one of `columns` (a registered enum), `byDefault` when left out.
 * Declared once here for every sorted list, as `@SortBy(ContactSortField, ContactSortField.createdAt)`.
 */
export function SortBy<T extends string>(
  columns: Record<string, T>,
  byDefault: T,
): PropertyDecorator {
  return (target, property) => {
    Field(() => columns, { defaultValue: byDefault, description: 'Sort column.' })(
      target,
      property,
    );
    IsEnum(columns)(target, property);
  };
}

/** A list's `sortOrder` argument: `asc` or `desc`, descending when left out. */
export function SortDirection(): PropertyDecorator {
  return (target, property) => {
    Field(() => SortOrder, { defaultValue: SortOrder.desc, description: 'Sort direction.' })(
      target,
      property,
    );
    IsEnum(SortOrder)(target, property);
  };
}
