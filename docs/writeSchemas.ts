import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { renderSchemaFiles, SCHEMA_DIR } from "./jsonSchemas.ts";

/** `npm run schemas`: writes docs/schemas/ from the zod schemas, and removes files no schema makes any more. */
const dir = join(import.meta.dirname, "..", SCHEMA_DIR);
mkdirSync(dir, { recursive: true });
const files = renderSchemaFiles();
for (const name of readdirSync(dir)) if (name.endsWith(".schema.json") && !files.has(name)) rmSync(join(dir, name));
for (const [name, text] of files) writeFileSync(join(dir, name), text);
process.stdout.write(`wrote ${files.size} JSON Schemas to ${SCHEMA_DIR}/\n`);
