#!/usr/bin/env node
// Runs the built app (npm run build). During development use: node --conditions=@mesh/source apps/init/src/main.ts
import '../dist/main.js';
