// `/studio/editor.js`: the plan editor: per-section edits and the JSON box with located issues. An ES module served as written (no build step).

/// The source of `editor.js`.
enum StudioScriptEditor {
    static let source = #"""
        // Editing a result's plan: per section, mute or solo a layer, change a gain, add or remove an effect, move where the
        // section starts; or the whole plan as JSON, with the validator's issues shown beside it and located in the text.
        import { el, clock } from './result.js';

        const $ = (id) => document.getElementById(id);

        /** Effects the renderer understands (case and separators do not matter; parameters may follow). */
        export const EFFECTS = ['reverb', 'delay', 'ping-pong-delay', 'echo-out', 'high-pass-filter-800hz',
          'low-pass-filter-2khz', 'filter-sweep', 'sidechain', 'compression', 'distortion'];
        const STEM_COLOURS = { vocals: '#d6336c', drums: '#e8590c', bass: '#1c7ed6', other: '#2f9e44', full: '#7048e8' };
        export const GAIN_RANGE_DB = [-60, 12];
        const MIN_SECTION_SECONDS = 1;

        const clone = (value) => JSON.parse(JSON.stringify(value));

        /** The editable plan of one result. */
        export class PlanEditor {
          /** `plan`: {creative_vision, masterplan: {...}}; `report`: the render report; `songs`: the job's songs. */
          constructor(plan, report, songs, { onSeek, onChange }) {
            this.original = clone(plan);
            this.report = report || {};
            this.songs = songs || [];
            this.onSeek = onSeek;
            this.onChange = onChange;
            this.reset();
          }

          reset() {
            this.draft = clone(this.original);
            this.flags = this.timeline().map((section) => (section.layers || []).map(() => ({ mute: false, solo: false })));
            this.edited = new Set();
            this.render();
            this.syncText();
          }

          timeline() { return (this.draft.masterplan && this.draft.masterplan.timeline) || []; }

          songName(id) {
            const songs = this.songs;
            const exact = songs.find((s) => s.song_id === id);
            if (exact) return exact.name || id;
            const match = /^(?:song|track|s)?_?\s*(\d+)$/i.exec(String(id));
            if (match && songs[Number(match[1]) - 1]) return songs[Number(match[1]) - 1].name || id;
            return id;
          }

          /** The plan to render: the draft with muted layers left out and, where a layer is soloed, only the soloed ones. */
          effectivePlan() {
            const plan = clone(this.draft);
            plan.masterplan.timeline = this.timeline().map((section, i) => {
              const flags = this.flags[i] || [];
              const soloed = flags.some((f) => f.solo);
              const copy = clone(section);
              copy.layers = (section.layers || []).filter((_, j) => {
                const f = flags[j] || {};
                return soloed ? f.solo : !f.mute;
              });
              return copy;
            });
            return plan;
          }

          isEdited() { return this.edited.size > 0; }

          changed(index) {
            this.edited.add(index);
            const card = document.querySelector('.section-card[data-index="' + index + '"]');
            if (card) card.classList.add('edited');
            this.syncText();
            if (this.onChange) this.onChange();
          }

          syncText() {
            $('plan-json').value = JSON.stringify(this.effectivePlan(), null, 2);
          }

          markPlaying(index) {
            document.querySelectorAll('.section-card').forEach((card) => {
              card.classList.toggle('playing', Number(card.dataset.index) === index);
            });
          }

          render() {
            const holder = $('sections');
            const reportSections = this.report.sections || [];
            holder.replaceChildren(...this.timeline().map((section, i) => this.card(section, i, reportSections[i])));
          }

          card(section, i, reported) {
            const start = Number(section.time_start_sec ?? reported?.start_seconds ?? 0);
            const end = reported ? reported.end_seconds : start + Number(section.duration_sec || 0);
            const titleID = 'section-title-' + i;
            const head = el('div', { class: 'section-head' },
              el('h4', { id: titleID }, (i + 1) + '. ' + (section.description || 'Section ' + (i + 1))),
              el('span', { class: 'meta', text: clock(start) + '–' + clock(end) + (section.energy_level !== undefined ? ' · energy ' + section.energy_level : '') }),
              el('button', { type: 'button', class: 'small jump', 'aria-label': 'Play section ' + (i + 1), onclick: () => this.onSeek(reported ? reported.start_seconds : start) }, '▶ Play'));
            const card = el('article', { class: 'section-card', 'data-index': String(i), 'aria-labelledby': titleID }, head);
            if (i > 0) card.append(this.boundary(section, i));
            card.append(this.layerTable(section, i, reported));
            return card;
          }

          boundary(section, i) {
            const id = 'boundary-' + i;
            const shown = (value) => String(Math.round(Number(value) * 100) / 100);
            const input = el('input', { id, type: 'number', step: '0.01', min: '0', value: shown(section.time_start_sec ?? 0), inputmode: 'decimal',
              'aria-describedby': id + '-error' });
            const error = el('span', { id: id + '-error', class: 'error-text', role: 'alert' });
            input.addEventListener('change', () => {
              const timeline = this.timeline();
              const previous = timeline[i - 1];
              const oldStart = Number(section.time_start_sec);
              const end = oldStart + Number(section.duration_sec);
              const value = input.value.trim() === '' ? NaN : Number(input.value);
              const low = Number(previous.time_start_sec) + MIN_SECTION_SECONDS;
              const high = end - MIN_SECTION_SECONDS;
              if (!Number.isFinite(value) || value < low || value > high) {
                error.textContent = 'Between ' + low.toFixed(1) + ' and ' + high.toFixed(1) + ' s';
                input.value = shown(oldStart);
                return;
              }
              error.textContent = '';
              const rounded = Math.round(value * 1000) / 1000;
              previous.duration_sec = Math.round((rounded - Number(previous.time_start_sec)) * 1000) / 1000;
              section.time_start_sec = rounded;
              section.duration_sec = Math.round((end - rounded) * 1000) / 1000;
              this.changed(i - 1);
              this.changed(i);
            });
            return el('div', { class: 'boundary' }, el('label', { for: id, text: 'Starts at (s)' }), input, error);
          }

          layerTable(section, i, reported) {
            const body = el('tbody');
            (section.layers || []).forEach((layer, j) => body.append(this.layerRow(section, layer, i, j, reported?.layers?.[j])));
            return el('table', { class: 'layers' },
              el('thead', {}, el('tr', {}, el('th', { scope: 'col', text: 'Layer' }), el('th', { scope: 'col', text: 'Gain (dB)' }),
                el('th', { scope: 'col', text: 'Effects' }), el('th', { scope: 'col', colspan: '2', text: 'Listen' }))),
              body);
          }

          layerRow(section, layer, i, j, reported) {
            const flags = this.flags[i][j];
            const stem = layer.stem || 'full';
            const name = this.songName(layer.songId ?? layer.song_id ?? '');
            const label = name + ' ' + stem;
            const row = el('tr', { class: flags.mute ? 'muted-layer' : '' });
            const gainID = 'gain-' + i + '-' + j;
            const gain = el('input', { id: gainID, type: 'number', step: '0.5', min: String(GAIN_RANGE_DB[0]), max: String(GAIN_RANGE_DB[1]),
              value: String(layer.volume_db ?? 0), 'aria-label': 'Gain of ' + label + ' in section ' + (i + 1) + ', dB' });
            gain.addEventListener('change', () => {
              const value = gain.value.trim() === '' ? NaN : Number(gain.value);
              if (!Number.isFinite(value)) { gain.value = String(layer.volume_db ?? 0); return; }
              layer.volume_db = Math.min(Math.max(value, GAIN_RANGE_DB[0]), GAIN_RANGE_DB[1]);
              gain.value = String(layer.volume_db);
              this.changed(i);
            });
            const effects = el('div', { class: 'effects' });
            const drawEffects = () => {
              const ignored = new Set((reported?.effects_ignored || []).map((e) => String(e).toLowerCase()));
              const list = Array.isArray(layer.effects) ? layer.effects : [];
              effects.replaceChildren(...list.map((effect, k) => el('span', { class: 'effect' + (ignored.has(String(effect).toLowerCase()) ? ' ignored' : ''),
                title: ignored.has(String(effect).toLowerCase()) ? 'The renderer did not understand this effect' : '' }, String(effect),
                el('button', { type: 'button', 'aria-label': 'Remove ' + effect + ' from ' + label + ' in section ' + (i + 1),
                  onclick: () => { list.splice(k, 1); layer.effects = list; drawEffects(); this.changed(i); } }, '×'))));
              const selectID = 'fx-' + i + '-' + j;
              const select = el('select', { id: selectID, 'aria-label': 'Effect to add to ' + label + ' in section ' + (i + 1) },
                el('option', { value: '', text: 'Add effect…' }), ...EFFECTS.map((e) => el('option', { value: e, text: e })));
              // A separate Add button: arrow keys in a closed select change its value, which must not add effects.
              const add = el('button', { type: 'button', id: 'fx-add-' + i + '-' + j, class: 'small',
                'aria-label': 'Add the chosen effect to ' + label + ' in section ' + (i + 1) }, 'Add');
              add.addEventListener('click', () => {
                if (!select.value) { select.focus(); return; }
                layer.effects = [...list, select.value];
                drawEffects();
                this.changed(i);
                const again = document.getElementById(selectID);
                if (again) again.focus();
              });
              effects.append(el('span', { class: 'add-effect' }, select, add));
            };
            drawEffects();
            const toggle = (kind) => {
              const box = el('input', { type: 'checkbox', 'aria-label': (kind === 'mute' ? 'Mute ' : 'Solo ') + label + ' in section ' + (i + 1) });
              box.checked = flags[kind];
              box.addEventListener('change', () => {
                flags[kind] = box.checked;
                row.classList.toggle('muted-layer', flags.mute);
                this.changed(i);
              });
              return el('label', { class: 'toggle' }, box, el('span', { text: kind === 'mute' ? 'Mute' : 'Solo', 'aria-hidden': 'true' }));
            };
            row.append(
              el('td', {}, el('span', { class: 'stem-dot', style: 'background:' + (STEM_COLOURS[stem] || '#868e96'), 'aria-hidden': 'true' }),
                el('span', { text: name }), ' ', el('span', { class: 'meta', text: stem })),
              el('td', {}, gain),
              el('td', { class: 'fx' }, effects),
              el('td', {}, toggle('mute')),
              el('td', {}, toggle('solo')));
            return row;
          }
        }

        /** The plan in the JSON box, or a located syntax error. */
        export function readPlanText() {
          const text = $('plan-json').value;
          try {
            return { plan: JSON.parse(text) };
          } catch (error) {
            const match = /position (\d+)/.exec(error.message);
            const position = match ? Number(match[1]) : null;
            const where = position === null ? null : lineAndColumn(text, position);
            return { error: 'The JSON does not parse: ' + error.message, line: where?.line, offset: position };
          }
        }

        function lineAndColumn(text, offset) {
          const before = text.slice(0, offset);
          const line = before.split('\n').length;
          return { line, column: offset - before.lastIndexOf('\n') };
        }

        /**
         * Where the value at a validator path (`masterplan.timeline[3].layers[1].volume_db`) starts in JSON `text`:
         * {start, end, line}, or the nearest enclosing value found; null when the text does not parse that far.
         */
        export function locate(text, path) {
          const steps = [];
          for (const part of String(path).replace(/^\$\.?/, '').split('.').filter(Boolean)) {
            const name = part.replace(/\[\d+\]/g, '');
            if (name) steps.push(name);
            for (const m of part.matchAll(/\[(\d+)\]/g)) steps.push(Number(m[1]));
          }
          let i = 0;
          const ws = () => { while (i < text.length && /\s/.test(text[i])) i++; };
          const skipString = () => { i++; while (i < text.length && text[i] !== '"') { if (text[i] === '\\') i++; i++; } i++; };
          const skipValue = () => {
            ws();
            const c = text[i];
            if (c === '"') { skipString(); return; }
            if (c === '{' || c === '[') {
              let depth = 0;
              while (i < text.length) {
                const d = text[i];
                if (d === '"') { skipString(); continue; }
                if (d === '{' || d === '[') depth++;
                if (d === '}' || d === ']') { depth--; if (depth === 0) { i++; return; } }
                i++;
              }
              return;
            }
            while (i < text.length && !/[,\]}\s]/.test(text[i])) i++;
          };
          let found = null;
          ws();
          for (const step of steps) {
            ws();
            const startHere = i;
            if (typeof step === 'number') {
              if (text[i] !== '[') break;
              i++;
              let n = 0;
              let ok = false;
              while (i < text.length) {
                ws();
                if (text[i] === ']') break;
                if (n === step) { ok = true; break; }
                skipValue(); ws();
                if (text[i] === ',') i++;
                n++;
              }
              if (!ok) break;
            } else {
              if (text[i] !== '{') break;
              i++;
              let ok = false;
              while (i < text.length) {
                ws();
                if (text[i] !== '"') break;
                const keyStart = i;
                skipString();
                const key = JSON.parse(text.slice(keyStart, i));
                ws();
                if (text[i] === ':') i++;
                ws();
                if (key === step) { ok = true; found = { start: keyStart }; break; }
                skipValue(); ws();
                if (text[i] === ',') i++;
              }
              if (!ok) { i = startHere; break; }
            }
            const valueStart = i;
            found = { start: found && typeof step !== 'number' ? found.start : valueStart };
          }
          if (!found) return null;
          const save = i;
          skipValue();
          const end = Math.max(i, save);
          return { start: found.start, end, line: lineAndColumn(text, found.start).line };
        }

        /** Shows validator issues (or a syntax error) under the JSON box; clicking one selects its place in the text. */
        export function showIssues(issues, { syntax, okText } = {}) {
          const list = $('plan-issues');
          const textarea = $('plan-json');
          list.replaceChildren();
          if (syntax) {
            list.append(el('li', {}, el('strong', { text: 'error ' }), syntax.line ? 'line ' + syntax.line + ': ' : '', syntax.error));
            if (syntax.offset !== undefined && syntax.offset !== null) {
              textarea.focus();
              textarea.setSelectionRange(syntax.offset, Math.min(syntax.offset + 1, textarea.value.length));
            }
            return;
          }
          if (!issues.length) {
            if (okText) list.append(el('li', { class: 'ok', text: okText }));
            return;
          }
          const text = textarea.value;
          for (const issue of issues) {
            const place = locate(text, issue.path);
            const item = el('li', { class: issue.severity === 'warning' ? 'warning' : '' },
              el('strong', { text: issue.severity + ' ' }), el('code', { text: issue.path }),
              place ? ' (line ' + place.line + ')' : '', ': ' + issue.message);
            if (place) {
              const go = el('button', { type: 'button', class: 'small ghost', 'aria-label': 'Show ' + issue.path + ' in the JSON',
                onclick: () => { textarea.focus(); textarea.setSelectionRange(place.start, place.end); scrollToSelection(textarea, place.line); } }, 'Show');
              item.append(' ', go);
            }
            list.append(item);
          }
        }

        function scrollToSelection(textarea, line) {
          const lineHeight = parseFloat(getComputedStyle(textarea).lineHeight) || 18;
          textarea.scrollTop = Math.max(0, (line - 3) * lineHeight);
        }
        """#
}
