/** The simulated hospital, as other parts (the in-process network, scenarios, benches) use it. */
export { NodeAgent, type NodeAgentCounters, type NodeAgentOptions, startNodeAgent } from "./agent.ts";
export { evaluate } from "./evaluate.ts";
export { FileLedger, ledgerPath } from "./fileLedger.ts";
export { MemoryLedger, type NodeLedger, type RecordedQuery, type RecordedState } from "./ledger.ts";
export { type LifecycleInput, type PlannedState, planLifecycle } from "./lifecycle.ts";
export { AT_OR_BELOW_LIMIT, type ObfuscatedCount, noiseFor, obfuscateCount, SHRINE_OBFUSCATION } from "./obfuscate.ts";
export { DEFAULT_POPULATION_SIZE, generatePopulation, type PatientRecord, Population, populationOf } from "./population.ts";
export { type Distribution, drawMs, type LatencyProfile, PROFILES } from "./profile.ts";
export { type ConceptSpec, VOCABULARY, VOCABULARY_BY_CODE } from "./vocabulary.ts";
