// Public surface of @mesh/validation: Istio config validation with field paths (webhook, istioctl, analyze).
export type { Issue, ValidationResult } from './issues.ts';
export type { ValidateOptions } from './validate.ts';
export { validate, validateObject } from './validate.ts';
export { knownKinds } from './kinds.ts';
