// An invalid value in user config met during translation (validation normally rejects it first). Generators catch
// it at the resource it concerns, leave that piece of config out and report it instead of failing the whole push.
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}
