/** Chance, injected and seeded: the same seed gives the same run. */
export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [min, max], both included. */
  int(min: number, max: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  shuffle<T>(items: readonly T[]): T[];
  /** Normal with the given mean and standard deviation. */
  gaussian(mean?: number, stdDev?: number): number;
  /** A version-4 UUID drawn from this stream. */
  uuid(): string;
  /** An independent stream derived from this one's seed and a label, unaffected by draws on this one. */
  fork(label: string): Random;
}
