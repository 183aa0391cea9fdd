import { Type, type Static } from 'typebox';
import { EMAIL_MAX_LENGTH } from './email.js';

/**
 * The request and response schemas of `/users`. They drive validation, response serialisation and
 * the OpenAPI document alike, so the docs cannot disagree with what the service accepts.
 */

export const NAME_MAX_LENGTH = 200;
export const BIO_MAX_LENGTH = 2000;
export const PAGE_LIMIT_MAX = 100;
export const PAGE_LIMIT_DEFAULT = 20;

/**
 * Text PostgreSQL can store as sent: no NUL character (a `text` value cannot hold one) and no lone
 * UTF-16 surrogate (it would be stored as U+FFFD, i.e. silently altered). Written to work the
 * same with and without a regular expression's `u` flag.
 */
export const STORABLE_TEXT = '^(?:[^\\u0000\\ud800-\\udfff]|[\\ud800-\\udbff][\\udc00-\\udfff])*$';

const Email = Type.String({
  format: 'email',
  maxLength: EMAIL_MAX_LENGTH,
  description:
    'A plain ASCII mailbox such as `ann@example.org`. Surrounding whitespace is removed and the whole ' +
    'address is lower-cased before validation and storage; addresses are unique in that form.',
  examples: ['ann@example.org'],
});
const Name = Type.Union([Type.String({ minLength: 1, maxLength: NAME_MAX_LENGTH, pattern: STORABLE_TEXT }), Type.Null()], {
  description: `Display name, 1 to ${NAME_MAX_LENGTH} characters (no NUL, no lone surrogate), or null.`,
});
const Bio = Type.Union([Type.String({ maxLength: BIO_MAX_LENGTH, pattern: STORABLE_TEXT }), Type.Null()], {
  description: `Free text up to ${BIO_MAX_LENGTH} characters (no NUL, no lone surrogate), or null.`,
});

export const UserSchema = Type.Object(
  {
    id: Type.Integer({ minimum: 1 }),
    email: Type.String({ format: 'email' }),
    name: Type.Union([Type.String(), Type.Null()]),
    bio: Type.Union([Type.String(), Type.Null()]),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false, title: 'User' },
);
export type UserDto = Static<typeof UserSchema>;

export const CreateUserBody = Type.Object(
  { email: Email, name: Type.Optional(Name), bio: Type.Optional(Bio) },
  { additionalProperties: false, title: 'CreateUser' },
);
export type CreateUserInput = Static<typeof CreateUserBody>;

export const UpdateUserBody = Type.Object(
  { email: Type.Optional(Email), name: Type.Optional(Name), bio: Type.Optional(Bio) },
  { additionalProperties: false, minProperties: 1, title: 'UpdateUser', description: 'The fields to change; at least one.' },
);
export type UpdateUserInput = Static<typeof UpdateUserBody>;

export const UserIdParams = Type.Object(
  { id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'The user id.' }) },
  { additionalProperties: false },
);

export const ListUsersQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({
      minimum: 1,
      maximum: PAGE_LIMIT_MAX,
      default: PAGE_LIMIT_DEFAULT,
      description: `Page size, 1 to ${PAGE_LIMIT_MAX} (default ${PAGE_LIMIT_DEFAULT}).`,
    })),
    after: Type.Optional(Type.String({
      minLength: 1,
      maxLength: 64,
      pattern: '^[A-Za-z0-9_-]+$',
      description: 'The `nextCursor` of the previous page; omit for the first page.',
    })),
  },
  { additionalProperties: false },
);

export const UserListSchema = Type.Object(
  {
    items: Type.Array(UserSchema, { description: 'Users in ascending id order.' }),
    nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass as `after` for the next page; null on the last page.' }),
  },
  { additionalProperties: false, title: 'UserList' },
);
