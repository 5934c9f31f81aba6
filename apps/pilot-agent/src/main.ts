// Entry point for pilot-agent. Wiring only: flags, lifecycle; logic lives in libs.
console.log('pilot-agent: not implemented yet');
