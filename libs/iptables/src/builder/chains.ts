// Chain names, marks and ports shared by the rule builder and the executor (upstream constants.go).

export const ISTIO_INBOUND = 'ISTIO_INBOUND';
export const ISTIO_REDIRECT = 'ISTIO_REDIRECT';
export const ISTIO_IN_REDIRECT = 'ISTIO_IN_REDIRECT';
export const ISTIO_OUTPUT = 'ISTIO_OUTPUT';
export const ISTIO_OUTPUT_DNS = 'ISTIO_OUTPUT_DNS';
export const ISTIO_DIVERT = 'ISTIO_DIVERT';
export const ISTIO_TPROXY = 'ISTIO_TPROXY';
export const ISTIO_DROP = 'ISTIO_DROP';

/** Mark put on proxy → app packets over lo in TPROXY mode. */
export const OUTBOUND_MARK = '1338';
/** Port of the agent's DNS proxy. */
export const AGENT_DNS_PORT = '15053';
/** Source address the proxy binds for inbound passthrough. */
export const INBOUND_PASSTHROUGH_V4 = '127.0.0.6/32';
export const INBOUND_PASSTHROUGH_V6 = '::6/128';
export const LOOPBACK_V6 = '::1/128';
/** Exit code of a failed --run-validation. */
export const VALIDATION_ERROR_CODE = 126;
