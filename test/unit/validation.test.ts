import 'reflect-metadata';
import { ValidationError } from '../../src/common/errors';
import { assertUuid, validateInput } from '../../src/common/validation';
import { CreateAudienceInput } from '../../src/audience/audience.input';
import { CreateContactInput } from '../../src/contact/contact.input';

async function problems(type: new () => object, value: unknown) {
  try {
    await validateInput(type, value);
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).problems;
  }
}

const ADA = { firstName: 'Ada', lastName: 'Lovelace', primaryPhone: '+441234567890' };

test('a valid input passes with its defaults; unknown fields are refused by name', async () => {
  expect(await problems(CreateContactInput, ADA)).toEqual([]);
  expect(await problems(CreateContactInput, { ...ADA, nickname: 'x' })).toEqual([
    { field: 'nickname', messages: ['property nickname should not exist'] },
  ]);
});

test('lengths count characters as PostgreSQL does, variation selectors included', async () => {
  expect(await problems(CreateAudienceInput, { name: `abc${'\ufe0f'.repeat(61)}` })).toEqual([]);
  expect(await problems(CreateAudienceInput, { name: `abc${'\ufe0f'.repeat(62)}` })).toEqual([
    { field: 'name', messages: ['name must be shorter than or equal to 64 characters'] },
  ]);
  expect(await problems(CreateAudienceInput, { name: '   ' })).toEqual([
    { field: 'name', messages: ['name must not be blank'] },
  ]);
});

test('a phone is E.164; an e-mail has a domain of two or more labels', async () => {
  expect(await problems(CreateContactInput, { ...ADA, primaryPhone: '0123' })).toEqual([
    {
      field: 'primaryPhone',
      messages: ['primaryPhone must be a phone number in E.164 form, like +1234567890'],
    },
  ]);
  for (const email of ['ada@example.com', 'joé@exämple.de', 'x@x.xn--p1ai']) {
    expect([email, await problems(CreateContactInput, { ...ADA, primaryEmail: email })]).toEqual([
      email,
      [],
    ]);
  }
  for (const email of ['0@com', 'user@localhost', 'user@[127.0.0.1]', 'a..b@example.com']) {
    expect(await problems(CreateContactInput, { ...ADA, primaryEmail: email })).toEqual([
      { field: 'primaryEmail', messages: ['primaryEmail must be an email'] },
    ]);
  }
});

test('an id is a UUID of any version, or a clear error naming the field', () => {
  expect(assertUuid('id', '123E4567-E89B-12D3-A456-426614174000')).toBe(
    '123E4567-E89B-12D3-A456-426614174000',
  );
  expect(() => assertUuid('id', 'a'.repeat(5000))).toThrow('id must be a UUID');
  expect(() => assertUuid('contacts[2]', 7)).toThrow('contacts[2] must be a UUID');
});
