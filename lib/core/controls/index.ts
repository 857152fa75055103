/**
 * The control map: which controls each change category must pass. Pure data and checks; the
 * report evaluates it (lib/core/report). docs/controls.md documents it.
 */
export {
  type CategorySelector,
  CHANGE_CATEGORIES,
  CONTROL_MAP_VERSION,
  type Control,
  type ControlMap,
  ControlMapError,
  controlsFor,
  DEFAULT_CONTROL_MAP,
  parseControlMap,
  type Requirement,
  type RequirementKind,
  SCAN_KINDS,
  type ScanKind,
  SEVERITIES,
  type Severity,
  TEST_KINDS,
  type TestKind,
} from "./map.ts";
