export { buildBootstrap, lightstepTokenPath, type BootstrapInput } from './bootstrap.ts';
export { splitHostPort } from './clusters.ts';
