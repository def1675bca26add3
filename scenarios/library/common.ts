/** The sites and queries most scenarios share: three hospitals that never fail a query, three queries. */
export const THREE_SITES = [
  { nodeId: "hospital-a", profile: "fast", failureChance: 0 },
  { nodeId: "hospital-b", profile: "steady", failureChance: 0 },
  { nodeId: "hospital-c", profile: "busy", failureChance: 0 },
] as const;

/** Three queries; two ask for breakdowns, so every cell is checked under each scenario's faults. */
export const THREE_QUERIES = [
  {
    at: 0,
    definition: {
      panels: [{ concepts: ["dx:E11.9"] }],
      breakdowns: ["sex" as const, "age" as const, "race" as const, "vitalStatus" as const],
    },
  },
  {
    at: 2_000,
    definition: { panels: [{ concepts: ["dx:E11.9", "dx:E10.9"] }, { concepts: ["rx:metformin"], not: true }], age: { min: 40, max: 65 } },
  },
  {
    at: 4_000,
    definition: { panels: [{ concepts: ["dx:I10"] }], sex: "F" as const, breakdowns: ["age" as const, "vitalStatus" as const] },
  },
];
