import type { Logger } from "../log.ts";
import { silentLogger } from "../log.ts";
import type { Clock } from "../ports/clock.ts";
import type { Random } from "../ports/random.ts";
import { SeededRandom } from "../time/seededRandom.ts";
import { systemClock } from "../time/systemClock.ts";

export interface TestConnection {
  prefix: string;
  clock: Clock;
  random: Random;
  log: Logger;
  connectionName: string;
}

/**
 * What a test's connection to a real broker takes besides the URL: the wall clock, a random seeded
 * by the connection's name, no log output, and a name the broker shows under the run's prefix (by
 * which a test finds its own connections).
 */
export function testConnection(prefix: string, name: string): TestConnection {
  return { prefix, clock: systemClock, random: new SeededRandom(name), log: silentLogger, connectionName: `${prefix}-${name}` };
}
