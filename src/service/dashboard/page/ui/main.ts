// The dashboard page: wires the panels to the REST API (docs/dashboard.md).

import type { WindowView } from '@tally/api-types';
import { Api } from './api.js';
import { ChartsPanel } from './charts-panel.js';
import { ConnectionBadge } from './connection.js';
import { byId } from './dom.js';
import { HealthPanel } from './health-panel.js';
import { HeatPanel } from './heat-panel.js';
import { TopPanel } from './top-panel.js';
import { WindowsPanel } from './windows-panel.js';

const connection = new ConnectionBadge();
const api = new Api(connection);
const top = new TopPanel(api);
const heat = new HeatPanel(api, connection);
const charts = new ChartsPanel(api, connection, {
  onWindow: (view, measure) => top.show(view, measure),
  onResults: (results) => top.onResults(results),
});
const windows = new WindowsPanel(api, (list: WindowView[]) => {
  charts.setWindows(list);
  heat.setWindows(list);
});
const health = new HealthPanel(
  api,
  () => void windows.load(),
  (name) => {
    byId('job-name').textContent = name;
    document.title = `Tally: ${name}`;
  },
);

byId('token-button').addEventListener('click', () => {
  void api.askToken('The API token (api.token or TALLY_API_TOKEN): needed for changes, and for reads when the server requires it.').then((isEntered) => {
    // Reads that waited for a token (the first dialog was cancelled) start now.
    if (isEntered && api.isTokenNeededForReads) void windows.load();
  });
});
void windows.load().then(() => health.start());
