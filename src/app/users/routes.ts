import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { User } from '../../db/schema.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { normalizeEmail } from './email.js';
import { ApiError, errorResponse, userNotFound } from '../http-errors.js';
import type { UsersRepository } from './repository.js';
import {
  CreateUserBody, ListUsersQuery, PAGE_LIMIT_DEFAULT, UpdateUserBody, UserIdParams, UserListSchema, UserSchema, type UserDto,
} from './schemas.js';

export interface UsersRoutesOptions {
  readonly repository: UsersRepository;
}

const tags = ['users'];
const failures = {
  400: errorResponse('The request is invalid: VALIDATION_FAILED (see `details`), INVALID_JSON, INVALID_CURSOR.'),
  500: errorResponse('INTERNAL: an unexpected failure; the message names the request id to report.'),
  503: errorResponse('DATABASE_UNAVAILABLE: retry after the `Retry-After` header\'s seconds.'),
};
const notFound = errorResponse('USER_NOT_FOUND: no user has this id.');
const emailTaken = errorResponse('EMAIL_TAKEN: another user has this email.');

/** A user as the API shows it. */
export function toUserDto(user: User): UserDto {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    bio: user.bio,
    createdAt: user.createdAt.toISOString(),
    updatedAt: user.updatedAt.toISOString(),
  };
}

/**
 * Normalises `email` before schema validation, so that " Ann@Example.org " is checked, and
 * stored, as "ann@example.org".
 */
async function normalizeEmailField(request: FastifyRequest): Promise<void> {
  const body = request.body as Record<string, unknown> | null | undefined;
  if (body && typeof body === 'object' && typeof body.email === 'string') body.email = normalizeEmail(body.email);
}

/** CRUD on `/users` with keyset pagination. */
export const usersRoutes: FastifyPluginAsyncTypebox<UsersRoutesOptions> = async (app, { repository }) => {
  app.post('/users', {
    schema: {
      tags, summary: 'Create a user', operationId: 'createUser', body: CreateUserBody,
      response: { 201: UserSchema, ...failures, 409: emailTaken },
    },
    preValidation: normalizeEmailField,
  }, async (request, reply) => {
    const user = await repository.create(request.body);
    return reply.code(201).header('location', `/users/${user.id}`).send(toUserDto(user));
  });

  app.get('/users', {
    schema: {
      tags, summary: 'List users, oldest first, one page at a time', operationId: 'listUsers', querystring: ListUsersQuery,
      response: { 200: UserListSchema, ...failures },
    },
  }, async (request) => {
    const { limit = PAGE_LIMIT_DEFAULT, after } = request.query;
    const afterId = after === undefined ? null : decodeCursor(after);
    if (afterId === null && after !== undefined) {
      throw new ApiError('INVALID_CURSOR', 'the `after` cursor was not issued by this API; pass the `nextCursor` of the previous page unchanged, or omit it for the first page', {
        details: [{ path: 'query/after', message: 'is not a valid cursor' }],
      });
    }
    const page = await repository.list(limit, afterId);
    const last = page.items.at(-1);
    return { items: page.items.map(toUserDto), nextCursor: page.hasMore && last ? encodeCursor(last.id) : null };
  });

  app.get('/users/:id', {
    schema: {
      tags, summary: 'Get one user', operationId: 'getUser', params: UserIdParams,
      response: { 200: UserSchema, ...failures, 404: notFound },
    },
  }, async (request) => {
    const user = await repository.get(request.params.id);
    if (!user) throw userNotFound(request.params.id);
    return toUserDto(user);
  });

  app.patch('/users/:id', {
    schema: {
      tags, summary: 'Change some fields of a user', operationId: 'updateUser', params: UserIdParams, body: UpdateUserBody,
      response: { 200: UserSchema, ...failures, 404: notFound, 409: emailTaken },
    },
    preValidation: normalizeEmailField,
  }, async (request) => {
    const user = await repository.update(request.params.id, request.body);
    if (!user) throw userNotFound(request.params.id);
    return toUserDto(user);
  });

  app.delete('/users/:id', {
    schema: {
      tags, summary: 'Delete a user', operationId: 'deleteUser', params: UserIdParams,
      response: { 204: Type.Null({ description: 'Deleted; no body.' }), ...failures, 404: notFound },
    },
  }, async (request, reply) => {
    if (!(await repository.delete(request.params.id))) throw userNotFound(request.params.id);
    return reply.code(204).send(null);
  });
};
