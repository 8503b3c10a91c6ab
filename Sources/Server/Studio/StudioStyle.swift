// The studio's style sheet: two columns from 960 px, one below; system fonts; light and dark schemes with text
// contrast of at least 4.5:1 on their backgrounds; a visible focus ring on every control.

/// `studio.css`.
enum StudioStyle {
    static let css = #"""
        :root {
          --bg: #f5f6fa; --panel: #ffffff; --text: #1b1f2a; --muted: #4b5365; --line: #d5d9e3; --soft: #eef0f6;
          --accent: #4338ca; --accent-text: #ffffff; --accent-soft: #e0e7ff; --danger: #b42318; --danger-soft: #fde8e7;
          --ok: #067647; --warn: #8a4b00; --warn-soft: #fff4e0; --focus: #f59e0b; --playhead: #dc2626;
          --radius: 10px; --shadow: 0 1px 2px rgba(16,24,40,.06), 0 1px 3px rgba(16,24,40,.08);
          color-scheme: light dark;
        }
        @media (prefers-color-scheme: dark) {
          :root {
            --bg: #0f1117; --panel: #181b24; --text: #e8eaf0; --muted: #a9b0c0; --line: #2d3342; --soft: #222735;
            --accent: #818cf8; --accent-text: #0f1117; --accent-soft: #2a2f55; --danger: #f97066; --danger-soft: #3a1d1d;
            --ok: #47cd89; --warn: #fdb022; --warn-soft: #33270f; --playhead: #f87171; --shadow: none;
          }
        }
        * { box-sizing: border-box; }
        [hidden] { display: none !important; }
        html { -webkit-text-size-adjust: 100%; }
        body { margin: 0; background: var(--bg); color: var(--text);
          font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif; }
        a { color: var(--accent); }
        :focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
        .skip { position: absolute; left: -999px; top: 8px; background: var(--panel); padding: 8px 12px; z-index: 10; }
        .skip:focus { left: 8px; }
        .top { display: flex; flex-wrap: wrap; align-items: center; gap: 4px 20px; padding: 14px 24px;
          background: var(--panel); border-bottom: 1px solid var(--line); }
        .brand { display: flex; align-items: center; gap: 10px; }
        .brand h1 { font-size: 20px; margin: 0; letter-spacing: .2px; }
        .logo { width: 28px; height: 28px; }
        .logo circle:first-child { fill: #4f46e5; opacity: .85; }
        .logo circle:last-child { fill: #db2777; opacity: .75; }
        .tagline { margin: 0; color: var(--muted); flex: 1 1 300px; }
        main { padding: 20px 24px 40px; max-width: 1500px; margin: 0 auto; }
        .layout { display: grid; grid-template-columns: minmax(340px, 420px) minmax(0, 1fr); gap: 20px; align-items: start; }
        .col { display: flex; flex-direction: column; gap: 20px; min-width: 0; }
        .panel { background: var(--panel); border: 1px solid var(--line); border-radius: var(--radius); padding: 16px 18px;
          box-shadow: var(--shadow); min-width: 0; }
        .panel h2 { font-size: 17px; margin: 0 0 12px; display: flex; align-items: center; gap: 8px; }
        .heading-row { display: flex; justify-content: space-between; align-items: center; }
        .heading-row h2 { margin-bottom: 8px; }
        .step { display: inline-grid; place-items: center; width: 24px; height: 24px; border-radius: 50%;
          background: var(--accent-soft); color: var(--text); font-size: 13px; font-weight: 700; }
        .optional { font-weight: 400; font-size: 13px; color: var(--muted); }
        h3.sub { font-size: 15px; margin: 18px 0 8px; display: flex; align-items: baseline; gap: 8px; }
        .count { font-weight: 400; color: var(--muted); font-size: 13px; }
        .muted { color: var(--muted); }
        .hint { color: var(--muted); font-size: 13px; margin: 8px 0 0; }
        .error-text { color: var(--danger); font-weight: 600; margin: 6px 0; }
        .error-text:empty { display: none; }
        button, select, input, textarea { font: inherit; color: inherit; }
        button { cursor: pointer; border-radius: 8px; border: 1px solid var(--line); background: var(--soft);
          padding: 7px 14px; min-height: 36px; }
        button:hover:not(:disabled) { border-color: var(--accent); }
        button:disabled { opacity: .55; cursor: not-allowed; }
        button.primary { background: var(--accent); color: var(--accent-text); border-color: var(--accent); font-weight: 600; }
        button.big { font-size: 17px; padding: 10px 28px; min-height: 46px; width: 100%; }
        button.danger { background: var(--danger-soft); color: var(--danger); border-color: var(--danger); font-weight: 600; }
        button.ghost { background: transparent; }
        button.small { padding: 3px 10px; min-height: 30px; font-size: 13px; }
        button.icon { padding: 2px 9px; min-height: 30px; }
        select, input[type=text], input[type=number], input[type=password], textarea {
          background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 6px 9px; min-height: 36px; max-width: 100%; }
        .drop { position: relative; border: 2px dashed var(--line); border-radius: var(--radius); padding: 18px; text-align: center;
          background: var(--soft); transition: border-color .15s, background .15s; }
        .drop.over { border-color: var(--accent); background: var(--accent-soft); }
        .drop-label { display: flex; flex-direction: column; gap: 2px; cursor: pointer; }
        .drop-title { font-weight: 700; color: var(--accent); font-size: 16px; }
        .drop-sub { color: var(--muted); font-size: 13px; }
        .drop input[type=file] { margin-top: 10px; max-width: 100%; }
        .uploads, .chosen, .earlier, .history, .warnings, .issues, .sources { list-style: none; margin: 10px 0 0; padding: 0; }
        .uploads li { display: grid; grid-template-columns: 1fr auto; gap: 2px 10px; padding: 6px 0; border-bottom: 1px solid var(--soft); }
        .uploads progress { grid-column: 1 / -1; width: 100%; height: 8px; }
        .uploads .state { font-size: 13px; color: var(--muted); }
        .uploads li.failed .state { color: var(--danger); font-weight: 600; }
        .uploads li.failed progress { display: none; }
        .name { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; min-width: 0; }
        .chosen { counter-reset: song; }
        .chosen li { display: flex; align-items: center; gap: 8px; padding: 7px 8px; border: 1px solid var(--line);
          border-radius: 8px; margin-bottom: 6px; background: var(--soft); }
        .chosen li .name { flex: 1; }
        .chosen .letter { font-weight: 700; color: var(--accent); width: 18px; }
        .earlier-box { margin-top: 12px; }
        .earlier-box summary, .json-box summary, .warnings-box summary { cursor: pointer; font-weight: 600; padding: 4px 0; }
        .earlier li, .history li { display: flex; align-items: center; gap: 8px; padding: 6px 0; border-bottom: 1px solid var(--soft); }
        .earlier li .name, .history li .what { flex: 1; min-width: 0; }
        .meta { font-size: 12px; color: var(--muted); white-space: nowrap; }
        .form-grid { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: 8px 12px; align-items: center; }
        .form-grid label { font-weight: 600; font-size: 14px; }
        .progress-box { margin-top: 14px; padding: 12px; border-radius: 8px; background: var(--soft); }
        .progress-row { display: flex; align-items: center; gap: 10px; }
        .progress-row progress { flex: 1; height: 14px; accent-color: var(--accent); }
        .percent { font-variant-numeric: tabular-nums; font-weight: 700; min-width: 3.5em; text-align: right; }
        .phase-line { margin: 8px 0 2px; overflow-wrap: anywhere; }
        .step-message { color: var(--muted); }
        .history .badge { font-size: 12px; padding: 1px 8px; border-radius: 999px; border: 1px solid var(--line); white-space: nowrap; }
        .badge.complete { color: var(--ok); border-color: var(--ok); }
        .badge.failed, .badge.cancelled { color: var(--danger); border-color: var(--danger); }
        .badge.processing, .badge.queued { color: var(--accent); border-color: var(--accent); }
        .history .what .name { display: block; }
        .history .what .meta { display: block; white-space: normal; }
        .history li.current { background: var(--accent-soft); border-radius: 6px; padding-left: 6px; }
        .banner { display: flex; gap: 12px; align-items: flex-start; justify-content: space-between; margin: 12px 24px 0;
          padding: 10px 14px; border: 1px solid var(--danger); background: var(--danger-soft); border-radius: var(--radius); }
        .banner p { margin: 2px 0; }
        .banner .field { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 13px; }
        .result-title { font-size: 22px; margin: 0; }
        .concept { font-size: 16px; margin: 6px 0 12px; }
        .empty-result { padding: 40px 8px; text-align: center; }
        audio { width: 100%; margin: 4px 0; }
        .downloads { display: flex; flex-wrap: wrap; align-items: center; gap: 8px; margin: 8px 0; }
        .chip-link { display: inline-block; padding: 3px 12px; border: 1px solid var(--line); border-radius: 999px;
          text-decoration: none; font-weight: 600; font-size: 13px; background: var(--soft); }
        .timeline { margin: 10px 0; }
        .timeline figcaption { font-size: 13px; margin-top: 4px; }
        .timeline-svg { position: relative; width: 100%; overflow-x: auto; border: 1px solid var(--line); border-radius: 8px; }
        .timeline-svg svg { display: block; width: 100%; height: auto; min-width: 640px; }
        .timeline-svg g.section { cursor: pointer; }
        .timeline-svg g.section:hover rect.section-block, .timeline-svg g.section:focus rect.section-block { stroke: var(--focus); stroke-width: 3; }
        .timeline-svg g.section:focus { outline: none; }
        .timeline-svg g.section.playing rect.section-block { stroke: var(--playhead); stroke-width: 2; }
        .playhead { stroke: var(--playhead); stroke-width: 2.5; pointer-events: none; }
        .facts { display: grid; grid-template-columns: repeat(auto-fit, minmax(130px, 1fr)); gap: 8px; margin: 10px 0; }
        .fact { background: var(--soft); border-radius: 8px; padding: 8px 10px; }
        .fact .label { display: block; font-size: 12px; color: var(--muted); }
        .fact .value { font-weight: 700; font-size: 16px; font-variant-numeric: tabular-nums; }
        .warnings li { background: var(--warn-soft); color: var(--text); border-left: 4px solid var(--warn); padding: 6px 10px;
          margin-bottom: 6px; border-radius: 4px; overflow-wrap: anywhere; }
        .sections { display: flex; flex-direction: column; gap: 10px; }
        .section-card { border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; }
        .section-card.playing { border-color: var(--accent); box-shadow: inset 4px 0 0 var(--accent); }
        .section-card.edited { border-style: dashed; border-color: var(--accent); }
        .section-head { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 12px; }
        .section-head h4 { margin: 0; font-size: 15px; flex: 1 1 240px; }
        .section-head .jump { white-space: nowrap; }
        .boundary { display: flex; align-items: center; gap: 6px; font-size: 13px; }
        .boundary input { width: 6.5em; }
        .layers { width: 100%; border-collapse: collapse; margin-top: 8px; font-size: 14px; }
        .layers th { text-align: left; font-size: 12px; color: var(--muted); font-weight: 600; padding: 4px 6px; border-bottom: 1px solid var(--line); }
        .layers td { padding: 5px 6px; border-bottom: 1px solid var(--soft); vertical-align: middle; }
        .layers tr.muted-layer td { opacity: .5; }
        .layers input[type=number] { width: 5.5em; }
        .stem-dot { display: inline-block; width: 10px; height: 10px; border-radius: 3px; margin-right: 6px; vertical-align: -1px; }
        .effects { display: flex; flex-wrap: wrap; gap: 4px; align-items: center; }
        .effect { display: inline-flex; align-items: center; gap: 2px; background: var(--accent-soft); border-radius: 999px;
          padding: 0 2px 0 9px; font-size: 13px; }
        .effect.ignored { background: var(--warn-soft); text-decoration: line-through; }
        .effect button { border: 0; background: transparent; min-height: 24px; padding: 0 6px; font-size: 15px; line-height: 1; }
        .add-effect { display: inline-flex; gap: 4px; }
        .add-effect select { min-height: 30px; padding: 2px 6px; font-size: 13px; }
        .toggle { display: inline-flex; align-items: center; gap: 3px; font-size: 13px; white-space: nowrap; }
        .rerender-row, .button-row { display: flex; flex-wrap: wrap; align-items: center; gap: 10px; margin: 12px 0; }
        .json-box textarea { width: 100%; font: 13px/1.45 ui-monospace, "DejaVu Sans Mono", monospace; resize: vertical; }
        .block-label { display: block; font-weight: 600; margin: 8px 0 4px; }
        .issues li { padding: 6px 10px; margin-bottom: 6px; border-radius: 4px; border-left: 4px solid var(--danger);
          background: var(--danger-soft); overflow-wrap: anywhere; }
        .issues li.warning { border-left-color: var(--warn); background: var(--warn-soft); }
        .issues li.ok { border-left-color: var(--ok); background: var(--soft); }
        .issues code, .field { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 13px; }
        .notes dl { margin: 0; }
        .notes dt { font-weight: 700; margin-top: 8px; }
        .notes dd { margin: 2px 0 0 0; }
        .sources li { display: grid; grid-template-columns: 1fr; gap: 2px; margin-bottom: 8px; }
        dialog { border: 1px solid var(--line); border-radius: var(--radius); background: var(--panel); color: var(--text);
          max-width: min(440px, 92vw); padding: 18px 20px; }
        dialog::backdrop { background: rgba(0,0,0,.45); }
        dialog input { width: 100%; }
        @media (max-width: 960px) {
          .layout { grid-template-columns: minmax(0, 1fr); }
          main { padding: 12px 10px 30px; }
          .top { padding: 10px 12px; }
          .banner { margin: 10px 10px 0; }
          .panel { padding: 14px 12px; }
        }
        @media (max-width: 560px) {
          .layers thead { display: none; }
          .layers tr { display: grid; grid-template-columns: 1fr auto; gap: 4px 8px; padding: 6px 0; border-bottom: 1px solid var(--line); }
          .layers td { border: 0; padding: 2px 0; }
          .layers td.fx { grid-column: 1 / -1; }
          .layers td:nth-child(2)::before { content: "dB "; color: var(--muted); font-size: 12px; }
          .form-grid { grid-template-columns: minmax(0, 1fr); gap: 4px; }
          .form-grid select, .form-grid input { width: 100%; }
        }
        @media (prefers-reduced-motion: reduce) { * { transition: none !important; } }
        """#
}
