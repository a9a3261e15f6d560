/**
 * Errors of the Lambda API we serve, named exactly like AWS's and mapped to HTTP status in one table.
 * The body member carrying the text differs in case by error shape (spec §1.1): some use `message`,
 * some `Message`; the SDK reads the error name from the `x-amzn-ErrorType` header. The engine throws them too
 * (a source that refuses a mapping, an unknown function), so they live outside src/api.
 */
export type ApiErrorName =
  | 'InvalidParameterValueException'
  | 'InvalidRequestContentException'
  | 'ValidationException'
  | 'ResourceNotFoundException'
  | 'ResourceConflictException'
  | 'ResourceInUseException'
  | 'RequestEntityTooLargeException'
  | 'TooManyRequestsException'
  | 'UnsupportedMediaTypeException'
  | 'MissingAuthenticationTokenException'
  | 'UnrecognizedClientException'
  | 'InvalidSignatureException'
  | 'ServiceException';

const STATUS: Record<ApiErrorName, number> = {
  InvalidParameterValueException: 400,
  InvalidRequestContentException: 400,
  ValidationException: 400,
  ResourceNotFoundException: 404,
  ResourceConflictException: 409,
  ResourceInUseException: 400,
  RequestEntityTooLargeException: 413,
  TooManyRequestsException: 429,
  UnsupportedMediaTypeException: 415,
  MissingAuthenticationTokenException: 403,
  UnrecognizedClientException: 403,
  InvalidSignatureException: 403,
  ServiceException: 500,
};

/** Shapes whose text member is `Message` (capitalised); the others use `message`. */
const CAPITALISED_MESSAGE = new Set<ApiErrorName>(['ResourceNotFoundException', 'ResourceInUseException', 'ServiceException']);
/**
 * Errors raised before the Lambda service itself sees the request (model validation, authentication): AWS's body
 * carries only `message`, no `Type`.
 */
const FRONT_DOOR = new Set<ApiErrorName>(['ValidationException', 'MissingAuthenticationTokenException', 'UnrecognizedClientException', 'InvalidSignatureException']);

export class ApiError extends Error {
  constructor(
    override readonly name: ApiErrorName,
    message: string,
    /** Extra body members, e.g. `Reason` of a throttle. */
    readonly extra: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }

  get status(): number {
    return STATUS[this.name];
  }

  get type(): 'User' | 'Service' {
    return this.name === 'ServiceException' ? 'Service' : 'User';
  }

  body(): Record<string, string> {
    if (FRONT_DOOR.has(this.name)) return { ...this.extra, message: this.message };
    const key = CAPITALISED_MESSAGE.has(this.name) ? 'Message' : 'message';
    return { ...this.extra, Type: this.type, [key]: this.message };
  }
}

/**
 * A parameter the caller gave cannot be used: the one error type for a configuration-file mapping, an API request
 * and a source that refuses a mapping (unknown queue or stream, visibility timeout shorter than the function's).
 */
export class InvalidParameterValueException extends ApiError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('InvalidParameterValueException', message);
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}

/** True for an error of the Lambda API family, whether built here or named like one (e.g. by a poller). */
export function isApiErrorName(name: string): name is ApiErrorName {
  return Object.hasOwn(STATUS, name);
}
