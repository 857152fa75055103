import { type Static, Type } from "@sinclair/typebox";
import { defineEvent, envelope, eventOptions, subject } from "../envelope.ts";
import { closed, Digest, HttpsUrl, Line, ListOf, Window } from "../fields.ts";
import { MONITORING_BASELINE_RULES } from "../rules.ts";

const TYPE = "monitoring.baseline";

/**
 * The release's behaviour in `subject.environment` was observed over a window and recorded as a
 * baseline: the evidence that a change was watched after it shipped.
 */
export const MonitoringBaseline = defineEvent(
  TYPE,
  Type.Object(
    {
      ...envelope(TYPE),
      subject: subject({ required: ["releaseId", "service", "environment"] }),
      data: Type.Object(
        {
          dashboardUrl: HttpsUrl,
          /** SHA-256 of the exported metric values that make up the baseline. */
          baselineDigest: Digest,
          observationWindow: Window,
          /** The metrics or alarms observed, by name. */
          signals: Type.Optional(ListOf(Line(256), 50)),
        },
        closed,
      ),
    },
    eventOptions(TYPE, "A post-release monitoring baseline was recorded."),
  ),
  MONITORING_BASELINE_RULES,
);

export type MonitoringBaselineEvent = Static<typeof MonitoringBaseline.schema>;
