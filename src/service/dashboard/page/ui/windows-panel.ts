// The window definitions (GET /windows) and the form that adds a window (POST /windows) or changes one
// (PATCH /windows/{name}), saying from when each affected window's results are exact.

import type { ChangeAnswer, WindowView, WindowsList } from '@tally/api-types';
import { formatDuration, formatInstant } from '../format.js';
import { EMPTY_FORM, formFromView, ownDefinition, windowInput, windowPatch, type WindowFormValues } from '../window-form.js';
import { ApiProblem, type Api } from './api.js';
import { byId, el, fill } from './dom.js';

const FIELDS = ['name', 'kind', 'size', 'slide', 'offset', 'unit', 'timeZone', 'gap', 'aggregations', 'filter'] as const;

/**
 * A definition in the job file's words: `tumbling 1m`, `sliding 10m every 1m`, `calendar day in
 * Asia/Shanghai`, with the window's own aggregations and filter when it has them:
 * `tumbling 2s; aggregations count, max(value); filter page startsWith '/shop'`.
 */
export function describeWindow(view: WindowView): string {
  const { aggregations, filter } = ownDefinition(view);
  return `${describeKind(view)}${aggregations === null ? '' : `; aggregations ${aggregations.join(', ')}`}${filter === null ? '' : `; filter ${filter}`}`;
}

/** Form fields by the first part of an error's path (`aggregations[1]`, `sliding.slide`, `filter`). */
const FIELD_OF_PATH: Readonly<Record<string, string>> = {
  name: 'name', aggregations: 'aggregations', filter: 'filter', offset: 'offset',
  tumbling: 'size', 'sliding.size': 'size', 'sliding.slide': 'slide', 'calendar.unit': 'unit', 'calendar.timeZone': 'timeZone', 'session.gap': 'gap',
};

function fieldOfPath(path: string | null): string | null {
  if (path === null) return null;
  const parts = path.split(/[.[]/);
  return FIELD_OF_PATH[`${parts[0] ?? ''}.${parts[1] ?? ''}`] ?? FIELD_OF_PATH[parts[0] ?? ''] ?? null;
}

function describeKind(view: WindowView): string {
  const s = view.spec;
  const ms = (v: unknown): string => (typeof v === 'number' ? formatDuration(v) : '?');
  const offset = typeof s.offsetMs === 'number' && s.offsetMs > 0 ? `, offset ${ms(s.offsetMs)}` : '';
  switch (view.kind) {
    case 'tumbling':
      return `tumbling ${ms(s.sizeMs)}${offset}`;
    case 'sliding':
      return `sliding ${ms(s.sizeMs)} every ${ms(s.slideMs)}${offset}`;
    case 'calendar':
      return `calendar ${String(s.unit)} in ${String(s.timeZone)}`;
    case 'session':
      return `session, gap ${ms(s.gapMs)}`;
    case 'count':
      return `count ${String(s.size)} every ${String(s.slide)}`;
    case 'global':
      return 'global (running totals)';
  }
}

export class WindowsPanel {
  private windows: WindowView[] = [];
  /** The window being changed, as the form was filled in from it; null: adding a new one. */
  private editing: WindowFormValues | null = null;
  private readonly form = byId<HTMLFormElement>('window-form');

  constructor(
    private readonly api: Api,
    private readonly onWindows: (windows: WindowView[]) => void,
  ) {
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.submit();
    });
    (this.form.elements.namedItem('kind') as HTMLSelectElement).addEventListener('change', () => this.showKindFields());
    byId('window-new').addEventListener('click', () => this.edit(null));
    this.edit(null);
  }

  async load(): Promise<void> {
    try {
      const { windows } = await this.api.get<WindowsList>('/windows');
      this.windows = windows;
      this.render();
      this.onWindows(windows);
    } catch (error) {
      this.message(`Cannot list the windows: ${(error as Error).message}`, 'error');
    }
  }

  private render(): void {
    fill(
      byId('window-list').querySelector('tbody') as HTMLElement,
      ...this.windows.map((view) => {
        const form = formFromView(view);
        const button = el('button', { type: 'button', class: 'secondary', 'aria-label': `Change window ${view.name}`, disabled: form === null }, 'Change');
        button.addEventListener('click', () => this.edit(view));
        return el(
          'tr',
          { 'data-window': view.name },
          el('th', { scope: 'row' }, view.name),
          el('td', { 'data-definition': '' }, describeWindow(view)),
          el('td', { class: 'n' }, String(view.version)),
          el('td', { 'data-exact-from': view.exactFromMs ?? '' }, view.exactFromMs === null ? 'all results' : formatInstant(view.exactFromMs)),
          el('td', {}, button),
        );
      }),
    );
  }

  private edit(view: WindowView | null): void {
    const values = view === null ? EMPTY_FORM : (formFromView(view) ?? EMPTY_FORM);
    this.editing = view === null ? null : values;
    for (const field of FIELDS) {
      const input = this.form.elements.namedItem(field) as HTMLInputElement | HTMLSelectElement | null;
      if (input !== null) input.value = values[field];
    }
    (this.form.elements.namedItem('name') as HTMLInputElement).readOnly = view !== null;
    byId('window-form-title').textContent = view === null ? 'Add a window' : `Change window ${view.name}`;
    byId('window-submit').textContent = view === null ? 'Add window' : 'Apply change';
    this.showKindFields();
    if (view !== null) (this.form.elements.namedItem('size') as HTMLInputElement).focus();
  }

  private showKindFields(): void {
    const kind = (this.form.elements.namedItem('kind') as HTMLSelectElement).value;
    for (const label of this.form.querySelectorAll<HTMLElement>('label[data-for]')) label.hidden = !(label.dataset.for ?? '').split(' ').includes(kind);
  }

  private values(): WindowFormValues {
    const value = (field: string): string => (this.form.elements.namedItem(field) as HTMLInputElement | HTMLSelectElement).value;
    return { ...EMPTY_FORM, ...Object.fromEntries(FIELDS.map((f) => [f, value(f)])) } as WindowFormValues;
  }

  private async submit(): Promise<void> {
    for (const input of this.form.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
    const values = this.values();
    const name = values.name.trim();
    if (name === '') return this.message('Give the window a name.', 'error');
    try {
      let answer: ChangeAnswer;
      if (this.editing === null) {
        answer = await this.api.control<ChangeAnswer>('POST', '/windows', windowInput(values));
      } else {
        const patch = windowPatch(this.editing, values);
        if (patch === null) return this.message(`Nothing to change: ${name} is defined that way already.`, 'error');
        answer = await this.api.control<ChangeAnswer>('PATCH', `/windows/${encodeURIComponent(name)}`, patch);
      }
      this.changed(answer);
      await this.load();
      const view = this.windows.find((w) => w.name === name);
      if (view !== undefined) this.edit(view);
    } catch (error) {
      if (error instanceof ApiProblem && error.code === 'CONTROL_DISABLED') {
        this.message('Control is disabled on this server: start it with a token (api.token or TALLY_API_TOKEN), or api.openControl: true.', 'error');
      } else if (error instanceof ApiProblem) {
        this.message(`Refused (${error.code}): ${error.message}`, 'error');
        // The field at fault, as the server's `path` names it, is marked and described by the message.
        const field = fieldOfPath(error.path);
        const input = field === null ? null : (this.form.elements.namedItem(field) as HTMLInputElement | HTMLSelectElement | null);
        if (input !== null) {
          input.setAttribute('aria-invalid', 'true');
          input.setAttribute('aria-describedby', 'window-message');
          input.focus();
        }
      } else {
        this.message(`Failed: ${(error as Error).message}`, 'error');
      }
    }
  }

  private changed(answer: ChangeAnswer): void {
    const { change } = answer;
    const what = change.op === 'add-window' ? `Added ${change.window ?? ''}` : `Changed ${change.window ?? ''}`;
    const exact = Object.entries(change.exactFromMs).map(([window, from]) =>
      from === null
        ? `${window}: every result is exact`
        : `${window}: results of windows starting from ${formatInstant(from)} on are exactly those of the new definition (earlier ones followed the old one, or are not emitted)`,
    );
    const message = byId('window-message');
    message.dataset.kind = 'ok';
    message.dataset.version = String(change.version);
    fill(message, el('strong', {}, `${what} (definition version ${change.version}). `), exact.join('; '), '.');
    for (const [window, from] of Object.entries(change.exactFromMs)) message.dataset[`exactFrom_${window.replace(/[^a-z0-9]/gi, '_')}`] = String(from);
  }

  private message(text: string, kind: 'ok' | 'error'): void {
    const message = byId('window-message');
    message.dataset.kind = kind;
    message.textContent = text;
  }
}
