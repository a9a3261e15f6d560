import type { EventSourceMapping } from './event-source-mapping.js';

/**
 * Checks, before a mapping is created or updated, that its source can serve it the way Lambda checks it: the queue or
 * stream exists, and an SQS queue hides a message at least as long as the function may run. Resolves when the source
 * is usable; rejects with InvalidParameterValueException and AWS's message when it is not (spec §1.3), and with the
 * SDK's error when the source could not be asked.
 */
export type SourceCheck = (mapping: EventSourceMapping, functionTimeoutSeconds: number) => Promise<void>;
