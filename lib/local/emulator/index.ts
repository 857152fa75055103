export {
  EmulatorInstallError,
  ensureEmulatorInstalled,
  localStateDir,
  PROJECT_ROOT,
} from "./install.ts";
export { type Emulator, EmulatorStartError, resetEmulator, startEmulator } from "./server.ts";
