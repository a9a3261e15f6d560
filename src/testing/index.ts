/** `esm-poller/testing`: run esm-poller inside a test runner. */
export { startEsmPoller, NotIdleError } from './start-esm-poller.js';
export type {
  StartEsmPollerOptions,
  EsmPoller,
  WaitIdleOptions,
  JournalOptions,
  FunctionFaultsControl,
  FunctionFaults,
  FaultsView,
  JournalEntry,
  IdleAnswer,
} from './start-esm-poller.js';
export { ConfigError } from '../config/config-error.js';
export { TemplateError } from '../templates/template-error.js';
