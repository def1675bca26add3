import { pino, type Logger } from "pino";

export type { Logger };

/** pino JSON logs, one logger per process, tagged with the component that writes. */
export function createLogger(component: string, level = "info", destination?: NodeJS.WritableStream): Logger {
  const options = { level, base: { component }, timestamp: pino.stdTimeFunctions.isoTime };
  return destination ? pino(options, destination as pino.DestinationStream) : pino(options);
}

/** A logger that writes nothing: for tests and simulations that read outcomes, not logs. */
export const silentLogger: Logger = pino({ level: "silent" });
