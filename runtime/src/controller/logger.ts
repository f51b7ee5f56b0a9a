/** Levels in order; a logger prints its level and the ones after it. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type ControllerLogLevel = (typeof LOG_LEVELS)[number];

/** One JSON object per line on stdout, like the model server's pino lines (`level`, `time`, `msg`). */
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** pino's numeric levels, so one log pipeline reads both the server's and the controller's lines. */
const PINO_LEVEL: Record<Exclude<ControllerLogLevel, 'silent'>, number> = { debug: 20, info: 30, warn: 40, error: 50 };

export function createLogger(level: ControllerLogLevel, write: (line: string) => void = (line) => process.stdout.write(line)): Logger {
  const threshold = LOG_LEVELS.indexOf(level);
  const at = (name: Exclude<ControllerLogLevel, 'silent'>) => (msg: string, fields: Record<string, unknown> = {}) => {
    if (LOG_LEVELS.indexOf(name) < threshold) return;
    write(`${JSON.stringify({ level: PINO_LEVEL[name], time: Date.now(), ...fields, msg })}\n`);
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
