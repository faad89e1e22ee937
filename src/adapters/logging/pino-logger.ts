// The Logger port over pino: structured JSON lines on standard error (standard output may carry results).

import { pino } from 'pino';
import type { Logger } from '../../ports/logger.js';

export function pinoLogger(level = 'info'): Logger {
  const log = pino({ name: 'tally', level }, pino.destination(2));
  return {
    info: (fields, message) => log.info(fields, message),
    warn: (fields, message) => log.warn(fields, message),
    error: (fields, message) => log.error(fields, message),
  };
}
