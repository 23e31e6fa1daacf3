/**
 * What the in-process benchmark needs from sessionkit at `--baseline=<ref>`:
 * this file is bundled against the older tree (bench/baseline.ts), so the
 * apps and stores below are the current benchmark's code around the older
 * sessionkit. The child imports the bundle beside its own.
 */
export { createSessions } from "sessionkit";
export { buildApp, managerInject } from "./apps.js";
export { setupStore } from "./stores.js";
