// Runs the qhub CLI in this process and prints its peak resident set size as the last line of
// stdout, as JSON: `node bench/peak-rss.mjs dist/qhub.js render ...`.
import { pathToFileURL } from "node:url";
import { resolve } from "node:path";

const [script, ...args] = process.argv.slice(2);
process.argv = [process.argv[0], resolve(script), ...args];
process.on("exit", () => {
  process.stdout.write(`${JSON.stringify({ maxRssKb: process.resourceUsage().maxRSS })}\n`);
});
await import(pathToFileURL(resolve(script)).href);
