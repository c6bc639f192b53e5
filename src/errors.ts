// The error vocabulary of adaptlab. Every user-facing failure is one of these: it says what was
// expected, what was found and what to do, and carries a machine-readable `code`.

export type ErrorCode =
  | 'TORCH_ERROR' // libtorch rejected an operation (shapes, dtypes, ...)
  | 'DISPOSED_TENSOR' // a tensor was used after dispose()
  | 'BAD_ARGUMENT' // an API was called with a value it cannot take
  | 'NATIVE_ADDON_MISSING' // the native addon is not built
  | 'SAFETENSORS_FORMAT' // a safetensors file is malformed
  | 'STATE_DICT_MISMATCH' // loadStateDict found missing/unexpected keys or wrong shapes
  | 'CONFIG_ERROR' // a model or run configuration is invalid
  | 'DATA_ERROR' // a dataset, file or split is unusable
  | 'USAGE_ERROR' // a CLI invocation is invalid
  | 'DEVICE_UNAVAILABLE'; // the requested device (e.g. cuda) is not available to this libtorch

export class AdaptlabError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** libtorch refused an operation. Keeps libtorch's own message and the inputs it was given. */
export class TorchError extends AdaptlabError {
  constructor(
    readonly op: string,
    readonly inputs: readonly string[],
    readonly nativeMessage: string,
  ) {
    super('TORCH_ERROR', `${op}(${inputs.join(', ')}) failed: ${nativeMessage}`);
  }
}

export class DisposedTensorError extends AdaptlabError {
  constructor(what: string) {
    super(
      'DISPOSED_TENSOR',
      `${what}: this tensor was already disposed. Keep it alive (return it from tidy(), or call keep()) if it is still needed.`,
    );
  }
}

export class ArgumentError extends AdaptlabError {
  constructor(message: string) {
    super('BAD_ARGUMENT', message);
  }
}

export class SafetensorsError extends AdaptlabError {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super('SAFETENSORS_FORMAT', `${file}: ${message}`);
  }
}

export class StateDictError extends AdaptlabError {
  constructor(
    message: string,
    readonly missing: readonly string[] = [],
    readonly unexpected: readonly string[] = [],
    readonly shapeMismatches: readonly { key: string; expected: number[]; found: number[] }[] = [],
  ) {
    super('STATE_DICT_MISMATCH', message);
  }
}

export class ConfigError extends AdaptlabError {
  constructor(message: string) {
    super('CONFIG_ERROR', message);
  }
}

export class DataError extends AdaptlabError {
  constructor(message: string) {
    super('DATA_ERROR', message);
  }
}

/** A device was asked for that this libtorch or this machine cannot provide. */
export class DeviceUnavailableError extends AdaptlabError {
  constructor(
    readonly device: string,
    readonly reason: string,
    readonly remedy: string,
  ) {
    super('DEVICE_UNAVAILABLE', `device ${device} is not available: ${reason}. To fix it: ${remedy}.`);
  }
}

export class UsageError extends AdaptlabError {
  constructor(message: string) {
    super('USAGE_ERROR', message);
  }
}
