// Entry point for istioctl. Wiring only: flags, lifecycle; logic lives in libs.
console.log('istioctl: not implemented yet');
