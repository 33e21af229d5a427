// The shipped conda environments (environments/*.yaml) as the build found them: each file's text
// and, as JSON, what CondaEnvironment (src/config/schema.ts) made of its YAML. The build
// (scripts/build.mjs, `shipped-environments`) puts them here; in the sources, and in any build
// that did not, there are none. loadDefaultEnvironments uses an entry only while the file on disk
// still holds exactly that text, so parsing and validating it (a cold parser run, a large part of
// `qhub validate`) is skipped, never reading the file.
export const SHIPPED_ENVIRONMENTS: Readonly<Record<string, { text: string; json: string }>> = {};
