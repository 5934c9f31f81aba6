// The agent's client of istiod's CA.
export { CaClient, caClientOptionsFromEnv, type CaClientOptions } from './ca-client.ts';
