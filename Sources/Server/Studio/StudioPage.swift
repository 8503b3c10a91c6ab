// The studio's page: the markup only (behaviour in the ES modules, looks in studio.css). Every control has a
// label; live regions announce upload, progress and validation changes; one primary "Create" button.

/// The HTML of `GET /`.
enum StudioPage {
    static let html = #"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="color-scheme" content="light dark">
        <title>mashup studio</title>
        <link rel="icon" href="/studio/favicon.svg" type="image/svg+xml">
        <link rel="stylesheet" href="/studio/studio.css">
        <script type="module" src="/studio/app.js"></script>
        </head>
        <body>
        <a class="skip" href="#main">Skip to the studio</a>
        <header class="top">
          <div class="brand">
            <svg class="logo" viewBox="0 0 32 32" aria-hidden="true"><circle cx="12" cy="16" r="9"/><circle cx="20" cy="16" r="9"/></svg>
            <h1>mashup studio</h1>
          </div>
          <p class="tagline">Two or three songs in, one mashup out. Hear it, change it, render it again.</p>
          <button type="button" id="token-button" class="ghost small" hidden>Change API token</button>
        </header>
        <div id="error-banner" class="banner" role="alert" hidden>
          <div><strong id="error-title">The server refused the request</strong>
          <p id="error-message"></p><p id="error-field" class="field"></p></div>
          <button type="button" id="error-close" class="ghost small" aria-label="Dismiss the error">Dismiss</button>
        </div>
        <main id="main">
        <div class="layout">
        <div class="col col-make">
          <section class="panel" aria-labelledby="songs-heading">
            <h2 id="songs-heading"><span class="step" aria-hidden="true">1</span> Songs</h2>
            <div id="drop-zone" class="drop">
              <label for="file-input" class="drop-label">
                <span class="drop-title">Choose 2 or 3 song files</span>
                <span class="drop-sub">or drop them here. WAV, FLAC, MP3, OGG or AIFF.</span>
              </label>
              <input id="file-input" name="songs" type="file" multiple accept="audio/*,.wav,.flac,.mp3,.ogg,.oga,.aif,.aiff">
            </div>
            <ul id="upload-list" class="uploads" aria-live="polite" aria-label="Uploads"></ul>
            <h3 class="sub">Chosen songs <span id="chosen-count" class="count">0 of 3</span></h3>
            <ol id="chosen-list" class="chosen" aria-label="Chosen songs"></ol>
            <p id="chosen-empty" class="muted">None yet: choose files above or pick earlier uploads below.</p>
            <details id="earlier-box" class="earlier-box">
              <summary>Earlier uploads</summary>
              <ul id="earlier-list" class="earlier" aria-label="Earlier uploads"></ul>
              <p id="earlier-empty" class="muted" hidden>No earlier uploads.</p>
            </details>
          </section>

          <section class="panel" aria-labelledby="prefs-heading">
            <h2 id="prefs-heading"><span class="step" aria-hidden="true">2</span> Preferences <span class="optional">optional</span></h2>
            <div class="form-grid">
              <label for="pref-lead">Lead song</label>
              <select id="pref-lead"><option value="">Auto</option></select>
              <label for="pref-length">Length</label>
              <select id="pref-length">
                <option value="">Auto</option><option value="60">1 minute</option><option value="90">1½ minutes</option>
                <option value="120">2 minutes</option><option value="180">3 minutes</option><option value="240">4 minutes</option>
              </select>
              <label for="pref-bpm">Target BPM</label>
              <input id="pref-bpm" type="number" min="60" max="200" step="0.1" inputmode="decimal" placeholder="Auto">
              <label for="pref-key">Key</label>
              <select id="pref-key"><option value="">Auto</option></select>
              <label for="pref-style">Style</label>
              <input id="pref-style" type="text" maxlength="200" placeholder="e.g. late-night house" autocomplete="off">
              <label for="pref-energy">Energy</label>
              <select id="pref-energy">
                <option value="">Auto</option><option value="low">Low</option><option value="medium">Medium</option>
                <option value="high">High</option><option value="rising">Rising</option>
              </select>
            </div>
            <p class="hint">The built-in planner follows the lead song, length, BPM and key. Style and energy go to the planner
              service or Claude when the server has one.</p>
          </section>

          <section class="panel" aria-labelledby="create-heading">
            <h2 id="create-heading"><span class="step" aria-hidden="true">3</span> Create</h2>
            <button type="button" id="create-button" class="primary big">Create</button>
            <p id="create-hint" class="hint" aria-live="polite">Choose two or three songs first.</p>
            <div id="progress-box" class="progress-box" hidden>
              <div class="progress-row">
                <progress id="progress-bar" max="100" value="0" aria-label="Progress"></progress>
                <span id="progress-percent" class="percent" aria-live="off">0%</span>
              </div>
              <p class="phase-line" aria-live="polite"><strong id="progress-phase">Queued</strong>
                <span id="progress-step" class="step-message"></span></p>
              <p id="progress-times" class="muted">Time left: estimating</p>
              <p id="progress-error" class="error-text" role="alert" hidden></p>
              <button type="button" id="cancel-button" class="danger">Cancel</button>
            </div>
          </section>

          <section class="panel" aria-labelledby="history-heading">
            <div class="heading-row">
              <h2 id="history-heading">History</h2>
              <button type="button" id="history-refresh" class="ghost small">Refresh</button>
            </div>
            <ul id="history-list" class="history" aria-label="Earlier jobs"></ul>
            <p id="history-empty" class="muted" hidden>No jobs yet.</p>
          </section>
        </div>

        <div class="col col-result">
          <section id="result-panel" class="panel result" aria-labelledby="result-heading">
            <h2 id="result-heading">Result</h2>
            <p id="result-empty" class="muted empty-result">Your mashup appears here: a player, its timeline, every section's
              layers and effects, and the planner's notes. Change anything and render it again.</p>
            <div id="result" hidden>
              <h3 id="result-title" class="result-title"></h3>
              <p id="result-credits" class="muted"></p>
              <p id="result-concept" class="concept"></p>
              <audio id="player" controls preload="auto"></audio>
              <p class="downloads"><span>Download</span>
                <a id="dl-wav" class="chip-link">WAV</a><a id="dl-flac" class="chip-link">FLAC</a>
                <a id="dl-mp3" class="chip-link">MP3</a><a id="dl-report" class="chip-link" target="_blank" rel="noopener">Report</a></p>
              <figure class="timeline">
                <div id="timeline-svg" class="timeline-svg"></div>
                <figcaption class="muted">Click a section (or focus it and press Enter) to jump to it.</figcaption>
              </figure>
              <div id="loudness" class="facts" aria-label="Loudness"></div>
              <details id="warnings-box" class="warnings-box" open>
                <summary id="warnings-summary">Warnings</summary>
                <ul id="warnings" class="warnings"></ul>
              </details>

              <h3 class="sub">Sections</h3>
              <p class="hint">Mute or solo a layer, change a gain, add or remove an effect, or move where a section starts;
                then render again. Unchanged parts come from the caches, so an edit is back quickly.</p>
              <div id="sections" class="sections"></div>
              <div class="rerender-row">
                <button type="button" id="rerender-button" class="primary">Re-render</button>
                <button type="button" id="reset-edits" class="ghost">Undo edits</button>
                <span id="edit-status" class="muted" aria-live="polite"></span>
              </div>
              <details id="json-box" class="json-box">
                <summary>Edit the plan as JSON</summary>
                <label for="plan-json" class="block-label">Plan JSON (the masterplan the render follows)</label>
                <textarea id="plan-json" spellcheck="false" autocapitalize="off" autocomplete="off" rows="18"></textarea>
                <div class="button-row">
                  <button type="button" id="validate-button">Check</button>
                  <button type="button" id="json-rerender" class="primary">Re-render this JSON</button>
                </div>
                <ul id="plan-issues" class="issues" aria-live="polite" aria-label="Problems in the plan"></ul>
              </details>

              <h3 class="sub">The planner's notes</h3>
              <div id="notes" class="notes"></div>
              <h3 class="sub">Sources (A/B)</h3>
              <ul id="sources" class="sources"></ul>
            </div>
          </section>
        </div>
        </div>
        </main>
        <dialog id="token-dialog" aria-labelledby="token-heading">
          <form method="dialog" id="token-form">
            <h2 id="token-heading">API token</h2>
            <p>This server asks for its API token (<code>MASHUP_API_TOKEN</code>). The studio keeps it for this tab only.</p>
            <label for="token-input" class="block-label">Token</label>
            <input id="token-input" type="password" autocomplete="off" required>
            <p id="token-error" class="error-text" role="alert"></p>
            <div class="button-row">
              <button type="submit" value="ok" class="primary">Use token</button>
              <button type="button" id="token-cancel" class="ghost">Cancel</button>
            </div>
          </form>
        </dialog>
        </body>
        </html>
        """#

    static let favicon = #"""
        <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><circle cx="12" cy="16" r="9" fill="#4f46e5" opacity=".85"/><circle cx="20" cy="16" r="9" fill="#db2777" opacity=".75"/></svg>
        """#
}
