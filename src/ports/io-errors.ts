// Error codes of the adapters (I/O), beside the core's in src/core/errors.ts (see docs/errors.md).

export const IO_ERROR_CODES = {
  SOURCE_UNREACHABLE: 'a source cannot be opened or read (a missing file, no permission); the message names it',
  STORE_FAILED: 'a checkpoint store operation failed (the message names the store, the operation and the key)',
} as const;

export type IoErrorCode = keyof typeof IO_ERROR_CODES;
