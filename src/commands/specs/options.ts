// Flags that several commands share, with one wording.
import { Option } from "commander";

export const configOption = (description = "config file to read") =>
  new Option("-c, --config <path>", description).default("qhub-config.yaml");

export const outputOption = () =>
  new Option("-o, --output <dir>", "root of the rendered repository (default: the config's folder)");

export const jsonOption = () => new Option("--json", "print one JSON document on stdout").default(false);
