/**
 * Errors of the Lambda API we serve, named exactly like AWS's and mapped to HTTP status in one table.
 * The body member carrying the text differs in case by error shape (spec §1.1): some use `message`,
 * some `Message`; the SDK reads the error name from the `x-amzn-ErrorType` header.
 */
export type ApiErrorName =
  | 'InvalidParameterValueException'
  | 'InvalidRequestContentException'
  | 'ResourceNotFoundException'
  | 'ResourceConflictException'
  | 'ResourceInUseException'
  | 'RequestEntityTooLargeException'
  | 'TooManyRequestsException'
  | 'UnsupportedMediaTypeException'
  | 'ServiceException'
  | 'ValidationException';

const STATUS: Record<ApiErrorName, number> = {
  InvalidParameterValueException: 400,
  InvalidRequestContentException: 400,
  ResourceNotFoundException: 404,
  ResourceConflictException: 409,
  ResourceInUseException: 400,
  RequestEntityTooLargeException: 413,
  TooManyRequestsException: 429,
  UnsupportedMediaTypeException: 415,
  ServiceException: 500,
  ValidationException: 400,
};

/** Shapes whose text member is `Message` (capitalised); the others use `message`. */
const CAPITALISED_MESSAGE = new Set<ApiErrorName>(['ResourceNotFoundException', 'ResourceInUseException', 'ServiceException']);

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
    const key = CAPITALISED_MESSAGE.has(this.name) ? 'Message' : 'message';
    return { ...this.extra, Type: this.type, [key]: this.message };
  }
}
