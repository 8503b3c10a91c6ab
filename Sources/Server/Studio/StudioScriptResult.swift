// `/studio/result.js`: the result: player, timeline with playhead, loudness, warnings, notes, sources. An ES module served as written (no build step).

/// The source of `result.js`.
enum StudioScriptResult {
    static let source = #"""
        // The result on the page: the player, the SVG timeline from the server with a playhead that follows playback and
        // sections that seek when clicked, the loudness figures, every warning, the planner's notes, downloads and the
        // source songs for A/B listening.
        import { getText, withToken } from './api.js';

        const $ = (id) => document.getElementById(id);

        export function el(tag, attributes = {}, ...children) {
          const node = document.createElement(tag);
          for (const [key, value] of Object.entries(attributes)) {
            if (value === undefined || value === null || value === false) continue;
            if (key === 'class') node.className = value;
            else if (key === 'text') node.textContent = value;
            else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
            else node.setAttribute(key, value === true ? '' : value);
          }
          for (const child of children.flat()) {
            if (child === null || child === undefined || child === false) continue;
            node.append(child instanceof Node ? child : document.createTextNode(String(child)));
          }
          return node;
        }

        /** "1:05" for 65 s. */
        export function clock(seconds) {
          if (!Number.isFinite(seconds)) return '–';
          const total = Math.max(0, Math.round(seconds));
          return Math.floor(total / 60) + ':' + String(total % 60).padStart(2, '0');
        }

        const number = (value, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : '–');

        let playheadFrame = 0;
        let timelineGeometry = null;

        /** Shows job `status` (complete) with its `report` and `songs`; `onSeekSection(i)` marks the playing section. */
        export async function showResult(status, report, songs, onPlayingSection) {
          const id = status.jobId;
          $('result-empty').hidden = true;
          $('result').hidden = false;
          $('result-title').textContent = status.title || report?.title || 'Untitled mashup';
          $('result-credits').textContent = report?.artist_credits || '';
          $('result-concept').textContent = status.concept || report?.creative_vision || '';

          const player = $('player');
          const audioURL = withToken('/v1/jobs/' + encodeURIComponent(id) + '/audio');
          if (player.dataset.job !== id) {
            player.pause();
            player.src = audioURL;
            player.dataset.job = id;
            player.load();
          }
          const download = (anchor, format, label) => {
            anchor.href = withToken('/v1/jobs/' + encodeURIComponent(id) + '/audio' + (format ? '?format=' + format : ''));
            anchor.setAttribute('download', '');
            anchor.setAttribute('aria-label', 'Download the mashup as ' + label);
          };
          download($('dl-wav'), '', 'WAV');
          download($('dl-flac'), 'flac', 'FLAC');
          download($('dl-mp3'), 'mp3', 'MP3');
          $('dl-report').href = withToken('/v1/jobs/' + encodeURIComponent(id) + '/report.html');

          await showTimeline(id, player, onPlayingSection);
          showLoudness(report);
          showWarnings(status.warnings || [], report?.warnings || []);
          showNotes(report, status);
          showSources(songs, player);
        }

        async function showTimeline(id, player, onPlayingSection) {
          const holder = $('timeline-svg');
          holder.replaceChildren(el('p', { class: 'muted', text: 'Loading the timeline…' }));
          let markup;
          try {
            markup = await getText('/v1/jobs/' + encodeURIComponent(id) + '/timeline.svg');
          } catch (error) {
            holder.replaceChildren(el('p', { class: 'error-text', text: 'No timeline: ' + error.message }));
            timelineGeometry = null;
            return;
          }
          const parsed = new DOMParser().parseFromString(markup, 'image/svg+xml');
          const svg = parsed.documentElement;
          if (!svg || svg.nodeName.toLowerCase() !== 'svg') {
            holder.replaceChildren(el('p', { class: 'error-text', text: 'The timeline picture could not be read.' }));
            return;
          }
          const node = document.importNode(svg, true);
          node.removeAttribute('width');
          node.removeAttribute('height');
          node.setAttribute('aria-label', 'Timeline of the mashup: sections, layers and loudness');
          holder.replaceChildren(node);
          const plotLeft = parseFloat(node.dataset.plotLeft || '64');
          const plotWidth = parseFloat(node.dataset.plotWidth || '1112');
          const duration = parseFloat(node.dataset.durationSeconds || '0') || player.duration || 1;
          const height = node.viewBox.baseVal ? node.viewBox.baseVal.height : 600;
          const line = document.createElementNS('http://www.w3.org/2000/svg', 'line');
          line.setAttribute('class', 'playhead');
          line.setAttribute('y1', '0');
          line.setAttribute('y2', String(height));
          line.setAttribute('x1', String(plotLeft));
          line.setAttribute('x2', String(plotLeft));
          node.append(line);
          const sections = [...node.querySelectorAll('g.section')].map((group) => ({
            group,
            index: Number(group.dataset.index),
            start: parseFloat(group.dataset.startSeconds),
            end: parseFloat(group.dataset.endSeconds),
          }));
          for (const section of sections) {
            const label = 'Play from section ' + (section.index + 1) + ' at ' + clock(section.start);
            section.group.setAttribute('tabindex', '0');
            section.group.setAttribute('role', 'button');
            section.group.setAttribute('aria-label', label);
            const seek = () => { seekTo(player, section.start); };
            section.group.addEventListener('click', seek);
            section.group.addEventListener('keydown', (event) => {
              if (event.key === 'Enter' || event.key === ' ') { event.preventDefault(); seek(); }
            });
          }
          timelineGeometry = { line, plotLeft, plotWidth, duration, sections, current: -1, onPlayingSection };
          attachPlayhead(player);
          drawPlayhead(player);
        }

        /** Seeks the player to `seconds` and plays. */
        export function seekTo(player, seconds) {
          player.currentTime = Math.max(0, seconds + 0.001);
          const playing = player.play();
          if (playing && playing.catch) playing.catch(() => {});
        }

        function drawPlayhead(player) {
          const g = timelineGeometry;
          if (!g) return;
          const t = Math.min(Math.max(player.currentTime || 0, 0), g.duration);
          const x = g.plotLeft + (t / g.duration) * g.plotWidth;
          g.line.setAttribute('x1', x.toFixed(1));
          g.line.setAttribute('x2', x.toFixed(1));
          const current = g.sections.findIndex((s) => t >= s.start && t < s.end);
          if (current !== g.current) {
            g.sections.forEach((s, i) => s.group.classList.toggle('playing', i === current));
            g.current = current;
            if (g.onPlayingSection) g.onPlayingSection(current < 0 ? -1 : g.sections[current].index);
          }
        }

        let playheadAttached = false;
        function attachPlayhead(player) {
          if (playheadAttached) return;
          playheadAttached = true;
          const tick = () => {
            drawPlayhead(player);
            playheadFrame = player.paused ? 0 : requestAnimationFrame(tick);
          };
          player.addEventListener('play', () => { if (!playheadFrame) playheadFrame = requestAnimationFrame(tick); });
          for (const type of ['timeupdate', 'seeked', 'loadedmetadata', 'pause']) player.addEventListener(type, () => drawPlayhead(player));
        }

        function fact(label, value) {
          return el('div', { class: 'fact' }, el('span', { class: 'label', text: label }), el('span', { class: 'value', text: value }));
        }

        function showLoudness(report) {
          const box = $('loudness');
          const loudness = report?.loudness;
          if (!loudness) { box.replaceChildren(); return; }
          box.replaceChildren(
            fact('Integrated', number(loudness.integrated_lufs) + ' LUFS'),
            fact('Target', number(loudness.target_lufs) + ' LUFS'),
            fact('True peak', number(loudness.true_peak_db ?? loudness.true_peak_decibels) + ' dBTP'),
            fact('Sample peak', number(loudness.sample_peak_db ?? loudness.sample_peak_decibels) + ' dBFS'),
            fact('Loudness range', number(loudness.loudness_range_lu) + ' LU'),
            fact('Tempo · key', number(report.target_bpm) + ' BPM · ' + (report.target_key || 'no key')),
            fact('Length', clock(report.duration_seconds)),
          );
        }

        function showWarnings(jobWarnings, reportWarnings) {
          const all = [...new Set([...jobWarnings, ...reportWarnings])];
          $('warnings-summary').textContent = all.length ? 'Warnings (' + all.length + ')' : 'Warnings (none)';
          $('warnings').replaceChildren(...all.map((text) => el('li', { text })));
        }

        function showNotes(report, status) {
          const box = $('notes');
          const list = el('dl');
          const plan = status.masterplan?.masterplan || status.masterplan || {};
          const vision = report?.creative_vision || status.concept;
          if (vision) list.append(el('dt', { text: 'Concept' }), el('dd', { text: vision }));
          const sections = report?.sections || [];
          if (sections.length) {
            list.append(el('dt', { text: 'Reasoning, section by section' }));
            for (const section of sections) {
              list.append(el('dd', {}, el('strong', { text: clock(section.start_seconds) + ' ' }), section.description || ''));
            }
          }
          const notes = report?.problems_and_solutions || plan.problems_and_solutions || [];
          if (notes.length) {
            list.append(el('dt', { text: 'Problems and solutions' }));
            for (const note of notes) {
              list.append(el('dd', {}, el('strong', { text: 'Problem: ' }), note.problem || '', el('br'),
                el('strong', { text: 'Solution: ' }), note.solution || ''));
            }
          }
          box.replaceChildren(list);
        }

        function showSources(songs, player) {
          const list = $('sources');
          list.replaceChildren();
          const players = [player];
          (songs || []).forEach((song, index) => {
            const name = song.name || song.song_id;
            const path = song.storage_path || '';
            if (!path.startsWith('uploads/') || path.slice(8).includes('/')) {
              list.append(el('li', { class: 'muted', text: name + ' (not playable here: ' + (path || song.url || 'no file') + ')' }));
              return;
            }
            const audio = el('audio', { controls: true, preload: 'none', src: withToken('/v1/uploads/' + encodeURIComponent(path.slice(8))),
              'aria-label': 'Source ' + String.fromCharCode(65 + index) + ': ' + name });
            players.push(audio);
            list.append(el('li', {}, el('span', { class: 'name' }, el('strong', { text: String.fromCharCode(65 + index) + ' ' }), name), audio));
          });
          // A/B: one thing plays at a time.
          for (const p of players) {
            p.onplay = () => { for (const other of players) if (other !== p && !other.paused) other.pause(); };
          }
        }
        """#
}
