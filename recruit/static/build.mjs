// Builds recruit/static/dist: GOV.UK Frontend compiled with our colours and fonts.
import { cpSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as sass from "sass";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const dist = join(here, "dist");
const govuk = join(root, "node_modules", "govuk-frontend", "dist", "govuk");

mkdirSync(dist, { recursive: true });
const result = sass.compile(join(here, "scss", "app.scss"), {
  loadPaths: [join(root, "node_modules")],
  style: "compressed",
  quietDeps: true,
  silenceDeprecations: ["import", "global-builtin", "color-functions"],
});
writeFileSync(join(dist, "app.css"), result.css);
cpSync(join(govuk, "govuk-frontend.min.js"), join(dist, "govuk-frontend.min.js"));
console.log(`built ${join(dist, "app.css")} (${result.css.length} bytes)`);
