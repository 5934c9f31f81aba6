#!/usr/bin/env node
// Runs the built app (npm run build). During development use: node --conditions=@mesh/source apps/istiod/src/main.ts
import '../dist/main.js';
