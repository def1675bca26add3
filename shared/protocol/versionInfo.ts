import { z } from "zod";

export const PROTOCOL_VERSION = 1;

const IsoUtc = z.iso.datetime({ message: "must be an ISO-8601 UTC timestamp" });

export const VersionInfo = z.object({
  protocolVersion: z.literal(PROTOCOL_VERSION, { message: `unsupported protocolVersion (this hub speaks ${PROTOCOL_VERSION})` }),
  itemVersion: z
    .number()
    .int({ message: "itemVersion must be an integer" })
    .min(1, { message: "itemVersion must be >= 1" })
    .max(Number.MAX_SAFE_INTEGER, { message: "itemVersion is too large" }),
  createDate: IsoUtc,
  changeDate: IsoUtc,
});
export type VersionInfo = z.infer<typeof VersionInfo>;

export const Iso = IsoUtc;

/** The next state of an item: same createDate, the version after the newest one the writer knows. */
export function nextVersion(known: VersionInfo | undefined, now: number, itemVersion?: number): VersionInfo {
  const at = new Date(now).toISOString();
  return {
    protocolVersion: PROTOCOL_VERSION,
    itemVersion: itemVersion ?? (known ? known.itemVersion + 1 : 1),
    createDate: known?.createDate ?? at,
    changeDate: at,
  };
}
