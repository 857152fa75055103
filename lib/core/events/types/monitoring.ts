import { type Static, Type } from "@sinclair/typebox";
import { defineEvent, envelope, eventOptions, subject } from "../envelope.ts";
import { closed, Digest, HttpsUrl, Line, ListOf, Window } from "../fields.ts";
import { mustFollow } from "../rules.ts";

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
  [
    (event) =>
      mustFollow(
        { path: "$.data.observationWindow.to", value: event.data.observationWindow.to },
        { path: "$.data.observationWindow.from", value: event.data.observationWindow.from },
      ),
  ],
);

export type MonitoringBaselineEvent = Static<typeof MonitoringBaseline.schema>;
