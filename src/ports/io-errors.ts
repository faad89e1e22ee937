// Error codes of the adapters (I/O), beside the core's in src/core/errors.ts (see docs/errors.md).

export const IO_ERROR_CODES = {
  SOURCE_UNREACHABLE: 'a source cannot be opened or read (a missing file, no permission); the message names it',
  SINK_FAILED: 'an output cannot be written, published or recovered (the message names it)',
  CHECKPOINT_MISMATCH: 'what a checkpoint records does not match the outputs or input found (a file changed, shortened or replaced)',
  STORE_FAILED: 'a checkpoint store operation failed (the message names the store, the operation and the key)',
} as const;

export type IoErrorCode = keyof typeof IO_ERROR_CODES;
