import { pino, type Logger } from "pino";
import PinoPretty from "pino-pretty";

export type { Logger };

/** JSON lines for whatever collects logs, or lines a person reads (pino-pretty). */
export type LogFormat = "json" | "pretty";

/** How a log line reads on a terminal: one line each (an error's stack below it), time of day, level, the component, the message. */
const PRETTY: PinoPretty.PrettyOptions = {
  singleLine: true,
  translateTime: "SYS:HH:MM:ss.l",
  ignore: "component",
  messageFormat: "{component}: {msg}",
};

/** The format a log written to `out` takes: the one asked for, else readable on a terminal and JSON anywhere else. */
export function logFormat(out: { isTTY?: boolean }, asked?: LogFormat): LogFormat {
  return asked ?? (out.isTTY ? "pretty" : "json");
}

export interface LoggerOptions {
  /** A pino level; info by default. */
  level?: string;
  /** Where the lines go; standard output by default. */
  destination?: NodeJS.WritableStream;
  /** LOG_FORMAT; when unset, by whether the destination is a terminal. */
  format?: LogFormat;
}

/** pino logs, one logger per process, tagged with the component that writes. */
export function createLogger(component: string, options: LoggerOptions = {}): Logger {
  const settings = { level: options.level ?? "info", base: { component }, timestamp: pino.stdTimeFunctions.isoTime };
  const out: NodeJS.WritableStream & { isTTY?: boolean } = options.destination ?? process.stdout;
  if (logFormat(out, options.format) === "json") {
    return options.destination ? pino(settings, options.destination as pino.DestinationStream) : pino(settings);
  }
  return pino(settings, PinoPretty({ ...PRETTY, colorize: out.isTTY === true, destination: out }));
}

/**
 * A line another qnet process wrote, as a person reads it: a pino JSON line formatted as that
 * process would format it on a terminal, anything else as it is. No trailing newline.
 */
export function readableLines(colorize: boolean): (line: string) => string {
  const pretty = PinoPretty.prettyFactory({ ...PRETTY, colorize });
  return (line) => (line.startsWith("{") ? pretty(line).replace(/\r?\n$/, "") : line);
}

/** A logger that writes nothing: for tests and simulations that read outcomes, not logs. */
export const silentLogger: Logger = pino({ level: "silent" });
