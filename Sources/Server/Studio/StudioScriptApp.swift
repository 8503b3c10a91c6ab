// `/studio/app.js`: the controller: songs, uploads, preferences, jobs, progress, history. An ES module served as written (no build step).

/// The source of `app.js`.
enum StudioScriptApp {
    static let source = #"""
        // The studio: choose songs (upload with progress, or earlier uploads), set preferences, create, watch the job's
        // events, hear and read the result, edit and render again, and reopen earlier jobs.
        import { APIError, get, post, del, upload, watch, onTokenNeeded, setToken, token } from './api.js';
        import { showResult, seekTo, el, clock } from './result.js';
        import { PlanEditor, readPlanText, showIssues } from './editor.js';

        const $ = (id) => document.getElementById(id);
        const MAX_SONGS = 3;
        const MIN_SONGS = 2;
        const HISTORY_LIMIT = 20;
        const PHASES = { queued: 'Waiting in the queue', analysis: 'Analysing', scoring: 'Scoring', planning: 'Planning',
          stems: 'Separating stems', rendering: 'Rendering' };
        const KEYS = ['C', 'C#', 'D', 'Eb', 'E', 'F', 'F#', 'G', 'Ab', 'A', 'Bb', 'B'];

        const state = {
          chosen: [],          // {id, name, storage_path, duration_seconds, pending}
          job: null,           // {id, songs, watcher, poller, rerender}
          result: null,        // {id, songs}
          editor: null,
          preview: new Audio(),
          previewing: null,
        };

        // MARK: errors

        function showError(error, title) {
          const banner = $('error-banner');
          $('error-title').textContent = title || 'The server refused the request';
          $('error-message').textContent = error instanceof Error ? error.message : String(error);
          const field = error && error.field;
          $('error-field').textContent = field ? 'Field: ' + field : '';
          $('error-field').hidden = !field;
          banner.hidden = false;
        }

        function clearError() { $('error-banner').hidden = true; }

        // MARK: token

        let tokenRequest = null;
        function askForToken() {
          if (tokenRequest) return tokenRequest;
          const dialog = $('token-dialog');
          tokenRequest = new Promise((resolve) => {
            $('token-input').value = '';
            $('token-error').textContent = token() ? 'The server did not accept the token; enter it again.' : '';
            const finish = (given) => {
              $('token-form').onsubmit = null;
              $('token-cancel').onclick = null;
              dialog.onclose = null;
              if (dialog.open) dialog.close();
              tokenRequest = null;
              $('token-button').hidden = !token();
              resolve(given);
            };
            $('token-form').onsubmit = (event) => {
              event.preventDefault();
              const value = $('token-input').value.trim();
              if (!value) { $('token-error').textContent = 'Enter the token.'; return; }
              setToken(value);
              finish(true);
            };
            $('token-cancel').onclick = () => finish(false);
            dialog.onclose = () => finish(false);
            dialog.showModal();
            $('token-input').focus();
          });
          return tokenRequest;
        }

        // MARK: songs

        function renderChosen() {
          const list = $('chosen-list');
          list.replaceChildren(...state.chosen.map((song, index) => {
            const letter = String.fromCharCode(65 + index);
            const ready = !!song.storage_path;
            const item = el('li', {},
              el('span', { class: 'letter', 'aria-hidden': 'true', text: letter }),
              el('span', { class: 'name', title: song.name, text: song.name }),
              el('span', { class: 'meta', text: ready ? (song.duration_seconds ? clock(song.duration_seconds) : 'ready') : 'uploading…' }));
            if (ready) item.append(previewButton(song));
            item.append(el('button', { type: 'button', class: 'small ghost', 'aria-label': 'Remove ' + song.name,
              onclick: () => { state.chosen = state.chosen.filter((s) => s !== song); renderChosen(); } }, 'Remove'));
            return item;
          }));
          $('chosen-empty').hidden = state.chosen.length > 0;
          $('chosen-count').textContent = state.chosen.length + ' of ' + MAX_SONGS;
          const lead = $('pref-lead');
          const wanted = lead.value;
          lead.replaceChildren(el('option', { value: '', text: 'Auto' }),
            ...state.chosen.map((song, index) => el('option', { value: 'song' + (index + 1), text: String.fromCharCode(65 + index) + ': ' + song.name })));
          lead.value = [...lead.options].some((o) => o.value === wanted) ? wanted : '';
          updateCreateHint();
        }

        function previewButton(song) {
          const name = song.storage_path.slice('uploads/'.length);
          const button = el('button', { type: 'button', class: 'small ghost', 'aria-pressed': 'false', 'aria-label': 'Listen to ' + song.name }, 'Listen');
          button.addEventListener('click', () => {
            const audio = state.preview;
            if (state.previewing === button) {
              audio.pause();
              return;
            }
            if (state.previewing) { state.previewing.textContent = 'Listen'; state.previewing.setAttribute('aria-pressed', 'false'); }
            state.previewing = button;
            audio.src = '/v1/uploads/' + encodeURIComponent(name) + (token() ? '?token=' + encodeURIComponent(token()) : '');
            audio.play().catch(() => {});
            button.textContent = 'Stop';
            button.setAttribute('aria-pressed', 'true');
          });
          return button;
        }

        function updateCreateHint() {
          const ready = state.chosen.filter((s) => s.storage_path).length;
          const pending = state.chosen.length - ready;
          let text;
          if (state.job) text = 'Working on a mashup: watch its progress below.';
          else if (state.chosen.length < MIN_SONGS) text = 'Choose ' + (MIN_SONGS - state.chosen.length) + ' more song' + (MIN_SONGS - state.chosen.length === 1 ? '' : 's') + ' (two or three).';
          else if (pending) text = pending + ' upload' + (pending === 1 ? '' : 's') + ' still running: Create waits for them.';
          else text = state.chosen.length + ' songs ready.';
          $('create-hint').textContent = text;
          $('create-button').disabled = !!state.job;
        }

        function addFiles(files) {
          clearError();
          for (const file of files) {
            if (state.chosen.length >= MAX_SONGS) {
              showError(new APIError(0, 'A mashup takes at most ' + MAX_SONGS + ' songs: ' + file.name + ' was left out.', 'songs'), 'Too many songs');
              break;
            }
            const song = { name: file.name.replace(/\.[^.]+$/, ''), storage_path: null, duration_seconds: null };
            const bar = el('progress', { max: '100', value: '0', 'aria-label': 'Upload of ' + file.name });
            const status = el('span', { class: 'state', text: '0%' });
            const item = el('li', {}, el('span', { class: 'name', title: file.name, text: file.name }), status, bar);
            $('upload-list').prepend(item);
            song.pending = upload(file, (fraction) => {
              bar.value = Math.round(fraction * 100);
              status.textContent = Math.round(fraction * 100) + '%';
            }).then((answer) => {
              song.storage_path = answer.storage_path;
              song.duration_seconds = answer.duration_seconds;
              bar.value = 100;
              status.textContent = 'uploaded' + (answer.duration_seconds ? ' · ' + clock(answer.duration_seconds) : '');
              renderChosen();
              loadEarlier();
              return true;
            }, (error) => {
              item.classList.add('failed');
              status.textContent = error.message + (error.field ? ' (field: ' + error.field + ')' : '');
              state.chosen = state.chosen.filter((s) => s !== song);
              renderChosen();
              showError(error, 'The upload of ' + file.name + ' was refused');
              return false;
            });
            state.chosen.push(song);
          }
          renderChosen();
        }

        async function loadEarlier() {
          let answer;
          try { answer = await get('/v1/uploads?limit=50'); } catch (error) { showError(error, 'Earlier uploads could not be listed'); return; }
          const items = answer.uploads || [];
          $('earlier-empty').hidden = items.length > 0;
          $('earlier-list').replaceChildren(...items.map((upload) => {
            const name = (upload.filename || upload.storage_path).replace(/\.[^.]+$/, '');
            const song = { name, storage_path: upload.storage_path, duration_seconds: upload.duration_seconds };
            const when = upload.uploaded_at ? new Date(upload.uploaded_at).toLocaleString() : '';
            return el('li', {},
              el('span', { class: 'name', title: upload.storage_path }, name, el('br'),
                el('span', { class: 'meta', text: [upload.duration_seconds ? clock(upload.duration_seconds) : '', (upload.bytes / 1048576).toFixed(1) + ' MB', when].filter(Boolean).join(' · ') })),
              previewButton(song),
              el('button', { type: 'button', class: 'small', 'aria-label': 'Add ' + name + ' to the chosen songs', onclick: () => {
                if (state.chosen.some((s) => s.storage_path === song.storage_path)) return;
                if (state.chosen.length >= MAX_SONGS) { showError(new APIError(0, 'A mashup takes at most ' + MAX_SONGS + ' songs.', 'songs'), 'Too many songs'); return; }
                state.chosen.push(song);
                renderChosen();
              } }, 'Add'));
          }));
        }

        // MARK: preferences

        function preferences() {
          const result = {};
          const lead = $('pref-lead').value;
          if (lead) result.lead_song = lead;
          const length = $('pref-length').value;
          if (length) result.duration_sec = Number(length);
          const bpm = $('pref-bpm').value.trim();
          if (bpm) result.target_bpm = Number(bpm);
          const key = $('pref-key').value;
          if (key) result.target_key = key;
          const style = $('pref-style').value.trim();
          if (style) result.style = style;
          const energy = $('pref-energy').value;
          if (energy) result.energy = energy;
          return result;
        }

        // MARK: jobs

        async function create() {
          clearError();
          if (state.job) return;
          if (state.chosen.length < MIN_SONGS) {
            showError(new APIError(0, 'Choose two or three songs first.', 'songs'), 'Not enough songs');
            $('file-input').focus();
            return;
          }
          const button = $('create-button');
          button.disabled = true;
          $('create-hint').textContent = 'Waiting for the uploads…';
          const outcomes = await Promise.all(state.chosen.map((s) => s.pending || true));
          if (outcomes.includes(false) || state.chosen.length < MIN_SONGS) {
            button.disabled = false;
            updateCreateHint();
            return;
          }
          const songs = state.chosen.map((song, index) => ({ song_id: 'song' + (index + 1), name: song.name, storage_path: song.storage_path }));
          const body = { songs };
          const prefs = preferences();
          if (Object.keys(prefs).length) body.preferences = prefs;
          try {
            const answer = await post('/v1/jobs', body);
            track(answer.id, songs, false);
          } catch (error) {
            button.disabled = false;
            updateCreateHint();
            showError(error, 'The mashup could not be started');
          }
        }

        function setProgress(status) {
          const percent = Math.max(0, Math.min(100, Math.round(status.progress || 0)));
          $('progress-bar').value = percent;
          $('progress-percent').textContent = percent + '%';
          const phase = status.status === 'complete' ? 'Done' : status.status === 'failed'
            ? (status.error_details && status.error_details.type === 'cancelled' ? 'Cancelled' : 'Failed')
            : (PHASES[status.phase] || 'Working');
          $('progress-phase').textContent = phase;
          $('progress-step').textContent = status.currentStep || '';
          const elapsed = status.processing_time_elapsed || '–';
          $('progress-times').textContent = status.status === 'processing'
            ? 'Time left: ' + (status.estimated_completion || 'estimating') + ' · elapsed ' + elapsed
            : (status.status === 'complete' ? 'Finished in ' + elapsed : 'Stopped after ' + elapsed);
          if (state.job && state.job.rerender) $('edit-status').textContent = phase + ' ' + percent + '%';
        }

        function track(id, songs, rerender) {
          stopTracking();
          state.job = { id, songs, rerender };
          location.hash = 'job=' + encodeURIComponent(id);
          $('progress-box').hidden = false;
          $('progress-error').hidden = true;
          $('cancel-button').disabled = false;
          $('cancel-button').hidden = false;
          $('rerender-button').disabled = true;
          $('json-rerender').disabled = true;
          setProgress({ progress: 0, phase: 'queued', status: 'processing', currentStep: 'Queued' });
          updateCreateHint();
          const onStatus = (status) => {
            if (!state.job || state.job.id !== id) return;
            setProgress(status);
            if (status.status !== 'processing') finished(status);
          };
          state.job.watcher = watch(id, onStatus, () => {
            // The stream broke: poll the status instead.
            if (!state.job || state.job.id !== id) return;
            state.job.poller = setInterval(async () => {
              try { onStatus(await get('/v1/jobs/' + encodeURIComponent(id))); } catch (error) { showError(error, 'The job status could not be read'); }
            }, 1000);
          });
          loadHistory();
        }

        function stopTracking() {
          if (!state.job) return;
          if (state.job.watcher) state.job.watcher.close();
          if (state.job.poller) clearInterval(state.job.poller);
        }

        async function finished(status) {
          const job = state.job;
          stopTracking();
          state.job = null;
          $('cancel-button').hidden = true;
          $('rerender-button').disabled = false;
          $('json-rerender').disabled = false;
          updateCreateHint();
          if (status.status === 'complete') {
            if (job.rerender) $('edit-status').textContent = 'Rendered again.';
            await openResult(status.jobId, job.songs, status);
          } else {
            const details = status.error_details || {};
            const message = (status.error_message || 'The job failed.') + (details.suggested_action ? ' ' + details.suggested_action : '');
            $('progress-error').textContent = message;
            $('progress-error').hidden = false;
            if (job.rerender) $('edit-status').textContent = details.type === 'cancelled' ? 'Cancelled.' : 'The render failed: ' + (status.error_message || '');
          }
          loadHistory();
        }

        async function cancel() {
          if (!state.job) return;
          $('cancel-button').disabled = true;
          try {
            const status = await del('/v1/jobs/' + encodeURIComponent(state.job.id));
            setProgress(status);
            if (status.status !== 'processing') finished(status);
          } catch (error) {
            $('cancel-button').disabled = false;
            showError(error, 'The job could not be cancelled');
          }
        }

        function planOf(status) {
          const plan = status.masterplan || {};
          if (plan.masterplan) return plan;
          return { creative_vision: status.concept || '', masterplan: plan };
        }

        async function openResult(id, songs, knownStatus) {
          clearError();
          let status = knownStatus;
          let report = null;
          try {
            if (!status || !status.masterplan) status = await get('/v1/jobs/' + encodeURIComponent(id));
            if (status.status !== 'complete') {
              showError(new APIError(409, 'Job ' + id + ' is ' + status.status + ', not complete.', 'id'), 'No result yet');
              return;
            }
            report = await get('/v1/jobs/' + encodeURIComponent(id) + '/report');
          } catch (error) {
            showError(error, 'The result could not be loaded');
            return;
          }
          state.result = { id, songs };
          location.hash = 'job=' + encodeURIComponent(id);
          state.editor = new PlanEditor(planOf(status), report, songs, {
            onSeek: (seconds) => seekTo($('player'), seconds),
            onChange: () => { $('edit-status').textContent = 'Edited: render again to hear it.'; },
          });
          await showResult(status, report, songs, (index) => state.editor && state.editor.markPlaying(index));
          showIssues([], {});
          $('edit-status').textContent = '';
          markCurrentHistory();
        }

        async function rerender(plan) {
          clearError();
          if (!state.result || state.job) return;
          const songs = state.result.songs;
          try {
            const check = await post('/v1/plans/validate', { plan, songs: songs.map((s) => ({ song_id: s.song_id })) });
            const errors = (check.issues || []).filter((i) => i.severity === 'error');
            if (errors.length) {
              $('json-box').open = true;
              showIssues(check.issues);
              $('edit-status').textContent = errors.length + ' problem' + (errors.length === 1 ? '' : 's') + ' in the plan: see the JSON box.';
              return;
            }
            showIssues(check.issues || [], {});
            const answer = await post('/v1/jobs', { songs: songs.map((s) => ({ song_id: s.song_id, name: s.name, storage_path: s.storage_path, url: s.storage_path ? undefined : s.url })), plan });
            $('edit-status').textContent = 'Rendering…';
            track(answer.id, songs, true);
          } catch (error) {
            showError(error, 'The edited plan could not be rendered');
          }
        }

        async function checkJSON() {
          const read = readPlanText();
          if (read.error) { showIssues([], { syntax: read }); return null; }
          try {
            const songs = state.result ? state.result.songs.map((s) => ({ song_id: s.song_id })) : undefined;
            const check = await post('/v1/plans/validate', songs ? { plan: read.plan, songs } : { plan: read.plan });
            const summary = check.summary;
            showIssues(check.issues || [], { okText: summary ? 'No problems: ' + summary.sections + ' sections, ' + clock(summary.duration_sec) + ' at ' + Number(summary.target_bpm).toFixed(1) + ' BPM.' : 'No problems.' });
            return check.valid ? read.plan : null;
          } catch (error) {
            showError(error, 'The plan could not be checked');
            return null;
          }
        }

        // MARK: history

        async function loadHistory() {
          let answer;
          try { answer = await get('/v1/jobs?limit=' + HISTORY_LIMIT); } catch (error) { showError(error, 'The history could not be read'); return; }
          const jobs = answer.jobs || [];
          $('history-empty').hidden = jobs.length > 0;
          $('history-list').replaceChildren(...jobs.map((job) => {
            const names = (job.songs || []).map((s) => s.name).join(' × ');
            const when = new Date(job.created_at).toLocaleString();
            const item = el('li', { 'data-job': job.id },
              el('span', { class: 'badge ' + job.state, text: job.state }),
              el('span', { class: 'what' }, el('span', { class: 'name', text: job.title || names || job.id }),
                el('span', { class: 'meta', text: (job.title ? names + ' · ' : '') + when + (job.state === 'processing' ? ' · ' + job.progress + '%' : '') })));
            if (job.error_message) item.querySelector('.what').append(el('span', { class: 'meta', text: job.error_message }));
            if (job.state === 'complete') {
              item.append(el('button', { type: 'button', class: 'small', 'aria-label': 'Open ' + (job.title || names), onclick: () => openResult(job.id, job.songs) }, 'Open'));
            } else if ((job.state === 'processing' || job.state === 'queued') && (!state.job || state.job.id !== job.id)) {
              item.append(el('button', { type: 'button', class: 'small', 'aria-label': 'Watch the job of ' + names, onclick: () => track(job.id, job.songs, false) }, 'Watch'));
            }
            return item;
          }));
          markCurrentHistory();
        }

        function markCurrentHistory() {
          const current = state.result && state.result.id;
          document.querySelectorAll('#history-list li').forEach((li) => li.classList.toggle('current', li.dataset.job === current));
        }

        // MARK: start

        function wire() {
          const keySelect = $('pref-key');
          for (const mode of ['major', 'minor']) {
            for (const tonic of KEYS) keySelect.append(el('option', { value: tonic + ' ' + mode, text: tonic + ' ' + mode }));
          }
          const input = $('file-input');
          input.addEventListener('change', () => {
            addFiles([...input.files]);
            input.value = '';
          });
          const zone = $('drop-zone');
          for (const type of ['dragenter', 'dragover']) zone.addEventListener(type, (event) => { event.preventDefault(); zone.classList.add('over'); });
          for (const type of ['dragleave', 'drop']) zone.addEventListener(type, () => zone.classList.remove('over'));
          zone.addEventListener('drop', (event) => {
            event.preventDefault();
            addFiles([...event.dataTransfer.files]);
          });
          $('create-button').addEventListener('click', create);
          $('cancel-button').addEventListener('click', cancel);
          $('history-refresh').addEventListener('click', loadHistory);
          $('error-close').addEventListener('click', clearError);
          $('earlier-box').addEventListener('toggle', () => { if ($('earlier-box').open) loadEarlier(); });
          $('rerender-button').addEventListener('click', () => state.editor && rerender(state.editor.effectivePlan()));
          $('reset-edits').addEventListener('click', () => { if (state.editor) { state.editor.reset(); $('edit-status').textContent = 'Edits undone.'; showIssues([], {}); } });
          $('validate-button').addEventListener('click', checkJSON);
          $('json-rerender').addEventListener('click', async () => {
            const read = readPlanText();
            if (read.error) { showIssues([], { syntax: read }); return; }
            rerender(read.plan);
          });
          $('token-button').addEventListener('click', () => { setToken(''); askForToken().then(() => { loadHistory(); loadEarlier(); }); });
          state.preview.addEventListener('pause', () => {
            if (state.previewing) { state.previewing.textContent = 'Listen'; state.previewing.setAttribute('aria-pressed', 'false'); state.previewing = null; }
          });
          state.preview.addEventListener('ended', () => state.preview.pause());
          onTokenNeeded(askForToken);
        }

        async function start() {
          wire();
          renderChosen();
          try {
            const config = await (await fetch('/studio/config.json', { cache: 'no-store' })).json();
            if (config.token_required && !token()) await askForToken();
          } catch (_) { /* an older server: the first 401 asks instead */ }
          $('token-button').hidden = !token();
          await loadHistory();
          loadEarlier();
          const match = /job=([A-Za-z0-9_-]+)/.exec(location.hash);
          if (match) {
            try {
              const status = await get('/v1/jobs/' + match[1]);
              const listed = await get('/v1/jobs?limit=100');
              const job = (listed.jobs || []).find((j) => j.id === match[1]);
              const songs = job ? job.songs : [];
              if (status.status === 'complete') openResult(match[1], songs, status);
              else if (status.status === 'processing') track(match[1], songs, false);
            } catch (error) {
              if (error.status !== 404) showError(error, 'The job in the address could not be opened');
            }
          }
        }

        start();
        """#
}
