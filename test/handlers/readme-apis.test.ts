// The README's API table is the user's word on what the broker serves: it must list exactly the APIs
// and versions ApiVersions advertises, no more and no less.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { defaultApiTable } from "../../src/handlers/api-table.ts";

/** Rows `| Name | key | min–max |` (or `| v |` for one version) of the table under "### APIs". */
function readmeApis(): { name: string; apiKey: number; minVersion: number; maxVersion: number }[] {
  const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
  const section = readme.slice(readme.indexOf("\n### APIs\n"));
  const table = section.slice(section.indexOf("\n|")).split("\n\n")[0];
  return table
    .split("\n")
    .flatMap((line) => {
      const m = /^\| (\w+) \| (\d+) \| (\d+)(?:–(\d+))? \|/.exec(line);
      return m ? [{ name: m[1], apiKey: Number(m[2]), minVersion: Number(m[3]), maxVersion: Number(m[4] ?? m[3]) }] : [];
    });
}

describe("README", () => {
  it("lists exactly the APIs and versions ApiVersions advertises", () => {
    const table = defaultApiTable();
    const advertised = table.advertised().map((a) => ({ name: table.get(a.apiKey)!.name, ...a }));
    expect(readmeApis().length).toBeGreaterThan(0);
    expect(readmeApis().sort((a, b) => a.apiKey - b.apiKey)).toEqual(advertised);
  });
});
