// The terminal UI (ink, React: src/ui/ink.tsx), loaded only on a terminal. Its own small module so
// that the build can load it from its ES module bundle (scripts/build.mjs, "terminal-ui").
import type * as Ink from "./ink.js";

export function loadTerminalUi(): Promise<typeof Ink> {
  return import("./ink.js");
}
