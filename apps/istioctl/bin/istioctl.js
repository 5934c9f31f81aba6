#!/usr/bin/env node
// Runs the built app (npm run build). During development use: node --conditions=@mesh/source apps/istioctl/src/main.ts
import '../dist/main.js';
