// Public surface of @mesh/dataplane: compile/validate, the runtime, bootstrap loading and the admin server.
export { compile, validate, type CompiledConfig, type CompileResult } from './runtime/compile.ts';
export { DataplaneRuntime, type RuntimeOptions } from './runtime/dataplane-runtime.ts';
export type { OriginalDstLookup } from './listener/connection-handler.ts';
export { StatsStore, type StatEntry } from './stats/stats-store.ts';
export { renderPrometheus, renderStatsText } from './stats/stats-format.ts';
export { loadBootstrap, compileBootstrap, mergeBootstrap, mergeSnapshots, parseBootstrapText, type Bootstrap, type AdsSettings, type NodeIdentity } from './bootstrap/bootstrap.ts';
export { AdminServer, type AdminHooks, type ServerState } from './admin/admin-server.ts';
export { ConfigError } from './config/json-reader.ts';
export { checkSecret } from './tls/secret-check.ts';
