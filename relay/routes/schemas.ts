// JSON schemas the routes share: ids, keys, the error body.
import { ID_PATTERN, KEY_PATTERN, SIGNATURE_PATTERN } from '../ids';

export const idSchema = { type: 'string', pattern: ID_PATTERN } as const;
export const keySchema = { type: 'string', pattern: KEY_PATTERN } as const;
export const signatureSchema = { type: 'string', pattern: SIGNATURE_PATTERN } as const;

export const errorSchema = {
  type: 'object',
  required: ['error', 'message'],
  properties: { error: { type: 'string' }, message: { type: 'string' } },
} as const;

/** Response schemas for the refusals every signed route can give. */
export const refusals = { '4xx': errorSchema } as const;

export const waitSchema = { type: 'integer', minimum: 0, maximum: 30, default: 0 } as const;
