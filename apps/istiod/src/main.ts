// Entry point for istiod. Wiring only: flags, lifecycle; logic lives in libs.
console.log('istiod: not implemented yet');
