/**
 * `npm run bench -- events [--rounds N]`: how long the event path takes per event, on the 21
 * example events: strict parsing, validation, both, and canonicalization, each beside its
 * baseline in the same run (JSON.parse, JSON.stringify), so the ratio holds on a busy machine.
 * Prints one JSON line per operation:
 * {"bench":"events","operation":..,"bestMicros":..,"medianMicros":..,"baseline":..,"ratio":..}.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { canonicalize, strictParse } from "../lib/core/canonical/index.ts";
import { parseAndValidateEvent, validateEvent } from "../lib/core/events/index.ts";

const EXAMPLES = join(import.meta.dirname, "../examples/events");

interface Timing {
  readonly best: number;
  readonly median: number;
}

/** Microseconds per item of `run(items)`, best and median over `rounds` rounds. */
function measure<T>(items: readonly T[], rounds: number, run: (item: T) => unknown): Timing {
  const repeat = 200;
  for (let i = 0; i < repeat; i++) for (const item of items) run(item);
  const samples: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < repeat; i++) for (const item of items) run(item);
    samples.push(Number(process.hrtime.bigint() - start) / 1000 / (repeat * items.length));
  }
  samples.sort((a, b) => a - b);
  return { best: samples[0] ?? 0, median: samples[Math.floor(samples.length / 2)] ?? 0 };
}

export default async function events(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { rounds: { type: "string", default: "15" } },
    allowPositionals: false,
  });
  const rounds = Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error("--rounds takes a whole number");

  const texts = readdirSync(EXAMPLES)
    .filter((file) => file.endsWith(".json"))
    .map((file) => readFileSync(join(EXAMPLES, file), "utf8"));
  const parsed = texts.map((text) => JSON.parse(text) as unknown);
  for (const event of parsed) {
    if (!validateEvent(event).valid) throw new Error("an example event is invalid");
  }
  process.stderr.write(`events: ${texts.length} example events, ${rounds} rounds each\n`);

  const jsonParse = measure(texts, rounds, (text) => JSON.parse(text));
  const jsonStringify = measure(parsed, rounds, (value) => JSON.stringify(value));
  const rows: Array<[string, Timing, string, Timing]> = [
    ["validateEvent", measure(parsed, rounds, validateEvent), "JSON.parse", jsonParse],
    ["strictParse", measure(texts, rounds, strictParse), "JSON.parse", jsonParse],
    [
      "parseAndValidateEvent",
      measure(texts, rounds, parseAndValidateEvent),
      "JSON.parse",
      jsonParse,
    ],
    ["canonicalize", measure(parsed, rounds, canonicalize), "JSON.stringify", jsonStringify],
  ];
  for (const [operation, timing, baseline, base] of rows) {
    const line = {
      bench: "events",
      operation,
      bestMicros: Number(timing.best.toFixed(2)),
      medianMicros: Number(timing.median.toFixed(2)),
      baseline,
      baselineBestMicros: Number(base.best.toFixed(2)),
      ratio: Number((timing.best / base.best).toFixed(2)),
    };
    process.stdout.write(`${JSON.stringify(line)}\n`);
  }
}
