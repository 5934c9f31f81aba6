// Errors injection reports to its callers.

/** An injection failure a user can act on (bad annotation, unknown template, ...). */
export class InjectionError extends Error {}
