// Entry point for mesh-proxy. Wiring only: flags, lifecycle; logic lives in libs.
console.log('mesh-proxy: not implemented yet');
