import { z } from "zod";
import { RequestedBreakdowns } from "./breakdowns.ts";

/** A concept code such as "dx:E11.9" or "rx:metformin": a vocabulary, a colon, a code. */
export const Concept = z
  .string()
  .max(128, { message: "concept is longer than 128 characters" })
  .regex(/^[a-z]{1,16}:[A-Za-z0-9._-]{1,100}$/, { message: 'concept must look like "dx:E11.9" (vocabulary:code)' });

/**
 * The definition's schema with one kind of object at every depth: `z.object` ignores unknown
 * fields, as PROTOCOL.md has every receiver of a message do; `z.strictObject` refuses them, as the
 * API does, where an unknown field is a typo that would silently run a different query.
 *
 * The `.meta()` beside a refinement is its JSON Schema form (docs/schemas/): z.toJSONSchema cannot
 * read a refinement's code, so what JSON Schema can say is said there, and the rest in words.
 */
function definitionOf(object: typeof z.object | typeof z.strictObject) {
  const panel = object({
    concepts: z.array(Concept).min(1, { message: "a panel needs at least one concept" }).max(64),
    not: z.boolean().optional(),
  });
  return object({
    panels: z
      .array(panel)
      .min(1, { message: "a query needs at least one panel" })
      .max(32)
      .meta({
        description: "ANDed; at least one panel is not negated",
        contains: { properties: { not: { const: false } } },
      }),
    age: object({
      min: z.number().int().min(0).max(150).optional(),
      max: z.number().int().min(0).max(150).optional(),
    })
      .refine((a) => a.min === undefined || a.max === undefined || a.min <= a.max, { message: "age.min must be <= age.max" })
      .meta({ description: "inclusive bounds in years; min <= max when both are given" })
      .optional(),
    sex: z.enum(["F", "M"]).optional(),
    /** SHRINE's breakdown result types the researcher wants beside the count; none when absent. */
    breakdowns: RequestedBreakdowns.optional(),
  }).refine((d) => d.panels.some((p) => !p.not), { message: "at least one panel must not be negated" });
}

/** A query definition as a message carries it: unknown fields are ignored. */
export const QueryDefinition = definitionOf(z.object);
/** A query definition as a researcher submits it: an unknown field at any depth is refused. */
export const StrictQueryDefinition = definitionOf(z.strictObject);

export type QueryDefinition = z.infer<typeof QueryDefinition>;
export type Panel = QueryDefinition["panels"][number];
