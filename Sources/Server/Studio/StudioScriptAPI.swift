// `/studio/api.js`: the REST face: JSON requests with the token, uploads with progress, event streams. An ES module served as written (no build step).

/// The source of `api.js`.
enum StudioScriptAPI {
    static let source = #"""
        // The server's REST face as the studio uses it: JSON requests with the bearer token when one is kept, uploads with
        // progress (XMLHttpRequest), and URLs a browser opens itself (audio, events) with ?token=.
        const TOKEN_KEY = 'mashup.apiToken';

        /** A refusal or failure: the server's message and the field it names. */
        export class APIError extends Error {
          constructor(status, message, field) {
            super(message);
            this.name = 'APIError';
            this.status = status;
            this.field = field || null;
          }
        }

        let askForToken = null;

        /** Registers the function that asks the person for the token (resolves true when one was given). */
        export function onTokenNeeded(ask) { askForToken = ask; }

        export function token() { return sessionStorage.getItem(TOKEN_KEY) || ''; }
        export function setToken(value) {
          if (value) sessionStorage.setItem(TOKEN_KEY, value); else sessionStorage.removeItem(TOKEN_KEY);
        }

        function authHeaders() {
          const t = token();
          return t ? { Authorization: 'Bearer ' + t } : {};
        }

        /** `url` with `?token=` when a token is kept (for <audio src>, EventSource and download links). */
        export function withToken(url) {
          const t = token();
          if (!t) return url;
          return url + (url.includes('?') ? '&' : '?') + 'token=' + encodeURIComponent(t);
        }

        function errorFrom(status, text, statusText) {
          let data = null;
          try { data = text ? JSON.parse(text) : null; } catch (_) { data = null; }
          const message = (data && (data.error || data.message)) || text || statusText || 'HTTP ' + status;
          return new APIError(status, message, data && data.field);
        }

        /** A JSON request; answers the parsed body or throws APIError (asking for the token once on 401). */
        export async function request(method, path, body) {
          for (let attempt = 0; attempt < 2; attempt++) {
            const headers = authHeaders();
            let payload;
            if (body !== undefined) {
              headers['Content-Type'] = 'application/json';
              payload = JSON.stringify(body);
            }
            let response;
            try {
              response = await fetch(path, { method, headers, body: payload, cache: 'no-store' });
            } catch (error) {
              throw new APIError(0, 'The server did not answer (' + error.message + '). Is mashup serve running?', null);
            }
            const text = await response.text();
            if (response.status === 401 && attempt === 0 && askForToken && await askForToken()) continue;
            if (!response.ok) throw errorFrom(response.status, text, response.statusText);
            try { return text ? JSON.parse(text) : null; } catch (_) { return text; }
          }
          throw new APIError(401, 'missing or invalid bearer token', 'authorization');
        }

        export const get = (path) => request('GET', path);
        export const post = (path, body) => request('POST', path, body);
        export const del = (path) => request('DELETE', path);

        /** The text of a GET (e.g. the SVG timeline). */
        export async function getText(path) {
          const response = await fetch(path, { headers: authHeaders(), cache: 'no-store' });
          const text = await response.text();
          if (!response.ok) throw errorFrom(response.status, text, response.statusText);
          return text;
        }

        /**
         * Uploads one file to /v1/uploads with progress; resolves with the server's answer
         * ({storage_path, bytes, filename, duration_seconds}) or rejects with APIError.
         */
        export function upload(file, onProgress) {
          const send = () => new Promise((resolve, reject) => {
            const xhr = new XMLHttpRequest();
            xhr.open('POST', '/v1/uploads?filename=' + encodeURIComponent(file.name));
            const t = token();
            if (t) xhr.setRequestHeader('Authorization', 'Bearer ' + t);
            xhr.setRequestHeader('Content-Type', file.type || 'application/octet-stream');
            xhr.upload.onprogress = (event) => {
              if (event.lengthComputable) onProgress(event.loaded / event.total);
            };
            xhr.onload = () => {
              if (xhr.status >= 200 && xhr.status < 300) {
                try { resolve(JSON.parse(xhr.responseText)); } catch (_) { reject(new APIError(xhr.status, 'unreadable answer', null)); }
              } else {
                reject(errorFrom(xhr.status, xhr.responseText, xhr.statusText));
              }
            };
            xhr.onerror = () => reject(new APIError(0, 'The upload of ' + file.name + ' failed: the connection was lost.', null));
            xhr.send(file);
          });
          return send().catch(async (error) => {
            if (error.status === 401 && askForToken && await askForToken()) return send();
            throw error;
          });
        }

        /** Opens the job's event stream; calls `onStatus` with every status answer until the job ends. */
        export function watch(jobId, onStatus, onLost) {
          const source = new EventSource(withToken('/v1/jobs/' + encodeURIComponent(jobId) + '/events'));
          let ended = false;
          source.addEventListener('status', (event) => {
            let status;
            try { status = JSON.parse(event.data); } catch (_) { return; }
            if (status.status !== 'processing') {
              ended = true;
              source.close();
            }
            onStatus(status);
          });
          source.onerror = () => {
            if (ended) return;
            // The stream ended or broke: stop the browser's reconnect loop and let the caller poll instead.
            source.close();
            onLost();
          };
          return { close: () => { ended = true; source.close(); } };
        }
        """#
}
