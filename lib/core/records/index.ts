export {
  type BuildRecordInput,
  type BuiltRecord,
  buildRecord,
  eventDigest,
  recordDigest,
  type StreamHead,
} from "./build.ts";
export { type ChainCheck, type ChainFinding, checkLink } from "./chain.ts";
export { signRecord } from "./sign.ts";
export {
  CONTROL_STREAMS,
  RELEASE_STREAM_PREFIX,
  releaseStream,
  type StreamKey,
  streamFor,
  UNASSIGNED_STREAM,
} from "./stream.ts";
export {
  type EvidenceRecord,
  GENESIS_DIGEST,
  RECORD_VERSION,
  type RecordSignature,
  type SignedRecord,
} from "./types.ts";
