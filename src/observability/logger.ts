import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger };

/**
 * The one root logger. Components take `logger.child({ esmUuid, function, shardId })` and log stable
 * event names as the message (`batch_invoked`, `lease_lost`) with fields; errors go under `err`.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'esm-poller' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
}
