// Helpers for the kind path and chart tests.
export {};
