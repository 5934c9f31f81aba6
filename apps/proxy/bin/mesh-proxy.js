#!/usr/bin/env -S node --max-semi-space-size=8
// Runs the built app (npm run build). During development use: node --conditions=@mesh/source apps/proxy/src/main.ts
// The V8 flag (a smaller young generation: shorter GC pauses, ~100 MB less RSS under load) is also set by
// pilot-agent (apps/pilot-agent/src/proxy-launch.ts) and the proxyv2 image's wrapper.
import '../dist/main.js';
