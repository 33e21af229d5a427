// The bundle's stand-in for re2-wasm, which @kubernetes-models/validate loads for the RE2 patterns
// of prometheus-operator's CRD schemas (re2-wasm reads its .wasm beside itself through __dirname,
// which the bundle has not). Those patterns use one RE2 feature JavaScript lacks, the inline flag
// `(?i)` (in AlertmanagerConfig's time intervals and PrometheusRule's `partial_response_strategy`):
// it becomes the `i` flag of the whole pattern, which accepts what RE2 does and, where the flag
// covered only part of a pattern, also other capitalisations of the rest.
export default class RE2 extends RegExp {
  constructor(source: string, flags = "") {
    const insensitive = source.includes("(?i)");
    super(source.replaceAll("(?i)", ""), insensitive && !flags.includes("i") ? `${flags}i` : flags);
  }
}
