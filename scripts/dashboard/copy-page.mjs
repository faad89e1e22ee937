// Build step of the dashboard: copies the page's HTML, CSS and icon next to its compiled scripts in
// dist/service/dashboard/page, naming in the HTML the chart library version the server serves.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const from = join(root, 'src', 'service', 'dashboard', 'page');
const to = join(root, 'dist', 'service', 'dashboard', 'page');
const uplot = JSON.parse(readFileSync(createRequire(import.meta.url).resolve('uplot/package.json'), 'utf8'));
mkdirSync(to, { recursive: true });
writeFileSync(join(to, 'index.html'), readFileSync(join(from, 'index.html'), 'utf8').replaceAll('UPLOT_VERSION', uplot.version));
for (const file of ['dashboard.css', 'favicon.svg']) copyFileSync(join(from, file), join(to, file));
