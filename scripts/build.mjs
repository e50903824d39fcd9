// Bundles the TypeScript host and the browser-safe codec entry with esbuild.
import { build } from "esbuild";
import { copyFileSync } from "node:fs";

const common = { bundle: true, format: "esm", target: "es2022", sourcemap: true, logLevel: "warning" };

await Promise.all([
  build({ ...common, platform: "node", entryPoints: { main: "src/main.ts", index: "src/index.ts" }, outdir: "dist",
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" } }),
  build({ ...common, platform: "neutral", entryPoints: { codec: "src/codec/index.ts" }, outdir: "dist",
    external: ["node:*"] }),
]);
