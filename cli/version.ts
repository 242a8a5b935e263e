/** The archc version, from the package's package.json (one level above dist/ and the sources). */
import { readFileSync } from "node:fs";

export function archcVersion(): string {
  const url = new URL("../../package.json", import.meta.url);
  return (JSON.parse(readFileSync(url, "utf8")) as { version: string }).version;
}
