import { type Static, Type } from "@sinclair/typebox";
import { defineEvent, envelope, eventOptions, subject } from "../envelope.ts";
import {
  closed,
  Exactly,
  Identity,
  Name,
  Prose,
  Reference,
  ReleaseId,
  Tagged,
  Timestamp,
} from "../fields.ts";
import { LEGAL_HOLD_RULES } from "../rules.ts";

const APPLIED = "legal-hold.applied";
const RELEASED = "legal-hold.released";

/** What a hold covers: one release's evidence, or all evidence received in a time window. */
const HoldScope = Tagged([
  Type.Object({ kind: Exactly("release"), releaseId: ReleaseId }, closed),
  Type.Object(
    {
      kind: Exactly("window"),
      from: Timestamp,
      to: Timestamp,
      /** Narrows a window hold to one service. */
      service: Type.Optional(Name),
    },
    closed,
  ),
]);

/** Evidence in scope must be kept beyond its retention until the hold is released. */
export const LegalHoldApplied = defineEvent(
  APPLIED,
  Type.Object(
    {
      ...envelope(APPLIED),
      subject: subject({ required: [], omit: ["releaseId"] }),
      data: Type.Object(
        { caseId: Reference, reason: Prose(2000), scope: HoldScope, appliedBy: Identity },
        closed,
      ),
    },
    eventOptions(APPLIED, "A legal hold was placed on evidence."),
  ),
  LEGAL_HOLD_RULES,
);

/** The hold on the scope is lifted; retention applies again. */
export const LegalHoldReleased = defineEvent(
  RELEASED,
  Type.Object(
    {
      ...envelope(RELEASED),
      subject: subject({ required: [], omit: ["releaseId"] }),
      data: Type.Object(
        { caseId: Reference, reason: Prose(2000), scope: HoldScope, releasedBy: Identity },
        closed,
      ),
    },
    eventOptions(RELEASED, "A legal hold on evidence was released."),
  ),
  LEGAL_HOLD_RULES,
);

export type LegalHoldScope = Static<typeof HoldScope>;
export type LegalHoldAppliedEvent = Static<typeof LegalHoldApplied.schema>;
export type LegalHoldReleasedEvent = Static<typeof LegalHoldReleased.schema>;
