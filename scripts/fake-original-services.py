#!/usr/bin/env python3
"""Loopback fakes of the original system's services, with their real answer shapes, for a manual
scripts/validate-deployment.sh run against `mashup serve`:
  POST /analyze                -> the original analysis service: no duration/beats/sections, "C major" with
                                  confidence 0 for every song, bpm 99.4, MFCCs, vocal_presence 0.98
  POST /calculate-mashability  -> a score
  POST /create-masterplan      -> a plan naming an unknown song ("song7") and reading past the song's end
  POST /v1/messages            -> Claude: first reply names "Song C" (unknown), the corrected reply is valid
  POST /separate               -> fetches audio_url (must answer 200 audio), writes four stems into the shared
                                  storage STORAGE/stems/<job_id>/ (vocals: a 1.5 kHz tone; the rest silent)
Usage: scripts/fake-original-services.py PORT STORAGE_ROOT (STORAGE_ROOT: the server's --storage folder); every
request is logged as a JSON line to stdout. Example (the planner service; for Claude set ANTHROPIC_API_KEY=x and
ANTHROPIC_BASE_URL=http://127.0.0.1:8190 instead of ORCHESTRATOR_API_URL):
  scripts/fake-original-services.py 8190 /tmp/data &
  ANALYSIS_API_URL=http://127.0.0.1:8190 SCORING_API_URL=http://127.0.0.1:8190 ORCHESTRATOR_API_URL=http://127.0.0.1:8190 \
    SEPARATION_API_URL=http://127.0.0.1:8190 MASHUP_PUBLIC_URL=http://127.0.0.1:8125 \
    mashup serve --port 8125 --storage /tmp/data &
  scripts/validate-deployment.sh http://127.0.0.1:8125"""
import json, math, random, struct, sys, urllib.request, wave, io, os, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT, STORAGE = int(sys.argv[1]), sys.argv[2]
lock = threading.Lock()
claude_calls = [0]

def analysis():
    rng = random.Random(3)
    return {"version": "1.0-studio",
            "harmonic": {"key": "C major", "key_confidence": 0.0, "chord_progression": ["C", "G", "Am", "F"], "chord_complexity": 0.2},
            "rhythmic": {"bpm": 99.4, "beat_confidence": 0.7, "groove_stability": 2.0, "swing_factor": 0.0},
            "spectral": {"mfccs": [[round(rng.uniform(-300, 300), 6) for _ in range(2000)] for _ in range(13)],
                         "dynamic_range": 11.0, "brightness": 2100.0},
            "vocal": {"vocal_presence": 0.98}}

def plan(first, second):
    return {"creative_vision": "Two loops meet.",
            "masterplan": {"title": "Fake Claude", "artistCredits": "A vs. B",
                           "global": {"targetBPM": 120, "targetKey": "A minor", "timeSignature": [4, 4]},
                           "timeline": [
                               {"time_start_sec": 0, "duration_sec": 10, "description": "Intro", "energy_level": 0.3,
                                "layers": [{"songId": first, "stem": "other", "volume_db": -6, "effects": ["reverb"]}]},
                               {"time_start_sec": 10, "duration_sec": 12, "description": "Blend", "energy_level": 0.8,
                                "layers": [{"songId": first, "stem": "vocals", "volume_db": -4, "effects": []},
                                           {"songId": second, "stem": "drums", "volume_db": -6, "effects": ["sidechain"]}]}],
                           "problems_and_solutions": []}}

def tone_wav(path, frames, rate, hz):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with wave.open(path, "wb") as w:
        w.setnchannels(2); w.setsampwidth(2); w.setframerate(rate)
        out = bytearray()
        for n in range(frames):
            v = int(8000 * math.sin(2 * math.pi * hz * n / rate)) if hz else 0
            out += struct.pack("<hh", v, v)
        w.writeframes(bytes(out))

class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args): pass

    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        record = {"path": self.path, "keys": sorted(body.keys())}
        if self.path == "/analyze":
            self.answer(200, {"success": True, "songId": body.get("song_id"), "analysis": analysis()})
        elif self.path == "/calculate-mashability":
            self.answer(200, {"overall_score": 72, "dimension_scores": {"harmonic": 60, "rhythmic": 80, "spectral": 70, "vocal": 75},
                              "compatibility_breakdown": {}, "recommendations": [], "warnings": []})
        elif self.path == "/create-masterplan":
            p = plan("song7", "song2")
            p["masterplan"]["timeline"][1]["layers"][1]["source_start_sec"] = 500
            self.answer(200, p)
        elif self.path == "/v1/messages":
            with lock:
                claude_calls[0] += 1
                call = claude_calls[0]
            prompt = body["messages"][-1]["content"] if body.get("messages") else ""
            ids = []
            for token in prompt.split('"'):
                if token in ("a", "b") and token not in ids: ids.append(token)
            ids = ids or ["a", "b"]
            text = json.dumps(plan("Song C" if call == 1 else ids[0], ids[-1]))
            record["call"] = call
            self.answer(200, {"id": "msg_%d" % call, "type": "message", "role": "assistant", "model": body.get("model"),
                              "content": [{"type": "text", "text": "Here is the plan:\n" + text}],
                              "stop_reason": "end_turn", "usage": {"input_tokens": 10, "output_tokens": 10}})
        elif self.path == "/separate":
            url = body.get("audio_url", "")
            try:
                with urllib.request.urlopen(url, timeout=30) as response:
                    data = response.read()
                    record["fetched"] = [response.status, response.headers.get("Content-Type"), len(data)]
                with wave.open(io.BytesIO(data)) as w:
                    frames, rate = w.getnframes(), w.getframerate()
            except Exception as error:
                record["fetch_error"] = str(error)
                print(json.dumps(record), flush=True)
                return self.answer(502, {"success": False, "error": str(error)})
            job = body.get("job_id", "job")
            stems = {}
            for name, hz in [("vocals", 1500.0), ("drums", 0), ("bass", 0), ("other", 0)]:
                path = "stems/%s/%s-%d.wav" % (job, name, abs(hash(url)) % 100000)
                tone_wav(os.path.join(STORAGE, path), frames, rate, hz)
                stems[name] = path
            record["stems"] = stems
            self.answer(200, {"success": True, "job_id": job, "stems": stems})
        else:
            self.answer(404, {"detail": "not found"})
        print(json.dumps(record), flush=True)

ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
