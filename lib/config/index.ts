export {
  ConfigError,
  type EvidencePlaneConfig,
  type GithubOidcConfig,
  type ObjectLockMode,
  parseConfig,
} from "./config.ts";
export {
  EVENT_TABLE_LAYOUT,
  EVIDENCE_SOURCE_PREFIX,
  type IndexLayout,
  type KeyAttribute,
  METRICS_NAMESPACE,
  PACK_JOBS_TABLE_LAYOUT,
  QUARANTINE_PREFIX,
} from "./layout.ts";
export {
  CONFIG_CONTEXT_KEY,
  CONFIG_FILE_CONTEXT_KEY,
  configFromContext,
  loadConfigFile,
} from "./load.ts";
export { LOCAL_CONFIG } from "./local.ts";
export { type RawConfig, RawConfigSchema } from "./schema.ts";
