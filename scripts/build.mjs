// Bundles the TypeScript host and the browser-safe codec entry with esbuild.
import { build } from "esbuild";
import { copyFileSync, mkdirSync } from "node:fs";

const common = { bundle: true, format: "esm", target: "es2022", sourcemap: true, logLevel: "warning" };

await Promise.all([
  // One build with shared chunks, so the package, its test kit and the command line share one copy of the broker.
  // pg (a runtime dependency, loaded only for storage.engine=postgres) stays in node_modules.
  build({ ...common, platform: "node", splitting: true, entryPoints: { main: "src/main.ts", index: "src/index.ts", testing: "src/testing/index.ts" }, outdir: "dist",
    external: ["pg"],
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" } }),
  build({ ...common, platform: "neutral", entryPoints: { codec: "src/codec/index.ts" }, outdir: "dist",
    external: ["node:*"] }),
  // The web console the HTTP listener serves: one script, no CDN, everything offline.
  build({ ...common, platform: "browser", entryPoints: { console: "src/http/console/app.ts" }, outdir: "dist/console", minify: true }),
]);
mkdirSync("dist/console", { recursive: true });
for (const file of ["index.html", "console.css"]) copyFileSync(`src/http/console/${file}`, `dist/console/${file}`);
