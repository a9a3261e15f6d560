/**
 * Errors of on-failure delivery that retrying cannot fix: the destination is malformed or of a kind AWS does
 * not deliver to. The delivery worker fails such a job at once instead of spending its attempts.
 */
export class PermanentDestinationError extends Error {
  constructor(
    message: string,
    readonly destinationArn: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PermanentDestinationError';
  }
}

/** The destination ARN is not an SQS queue, SNS topic or S3 bucket ARN. */
export class InvalidDestinationArnError extends PermanentDestinationError {
  constructor(destinationArn: string, reason: string) {
    super(`The destination ARN ${destinationArn} is invalid: ${reason}.`, destinationArn);
    this.name = 'InvalidDestinationArnError';
  }
}

/** A destination AWS refuses for on-failure records (FIFO queues and topics), counted as a delivery failure. */
export class UnsupportedDestinationError extends PermanentDestinationError {
  constructor(destinationArn: string, reason: string) {
    super(`The destination ${destinationArn} is not supported: ${reason}.`, destinationArn);
    this.name = 'UnsupportedDestinationError';
  }
}
