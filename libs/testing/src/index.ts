// Shared test helpers: goldens, ports, spawning apps from source.
export { golden, updateGolden } from './golden.ts';
export { freePort, waitFor } from './ports.ts';
export { appCommand, appEntry, runApp, spawnApp, repoRoot, type AppRun } from './apps.ts';
export { startKubeEnv, testenvBin, testenvCache, hasTestenvBins, type KubeEnv, type KubeEnvOptions } from './kube-env.ts';
