// Public surface of @mesh/pilot: istiod's discovery core (debounced pushes, xDS generation per proxy, debug).
export { Debouncer, type DebounceOptions } from './debounce.ts';
export { DiscoveryService, type DiscoveryOptions } from './discovery.ts';
export { intake, parseMeshConfig, type RejectedConfig } from './config-intake.ts';
export { createPilotMetrics, type PilotMetrics } from './metrics.ts';
export { registerWebhooks, validateAdmissionReview, type WebhookOptions } from './webhooks.ts';
export { registerDebug, syncz, configDump, proxyName } from './debug.ts';
export * from './ca/index.ts'; // istiod CA (IstioCertificateService) and its gRPC listeners
