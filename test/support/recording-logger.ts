// A Logger that keeps its lines, for tests that check what a job or a thread logged.

import type { Logger } from '../../src/ports/logger.js';

export interface LoggedLine {
  readonly level: string;
  readonly fields: Record<string, unknown>;
  readonly message: string;
}

export function recordingLogger(): { logger: Logger; lines: LoggedLine[] } {
  const lines: LoggedLine[] = [];
  const at = (level: string) => (fields: Record<string, unknown>, message: string) => lines.push({ level, fields, message });
  return { logger: { info: at('info'), warn: at('warn'), error: at('error') }, lines };
}
