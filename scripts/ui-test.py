#!/usr/bin/python3
"""The studio in a real browser (`make ui-test`): headless Chromium through chromedriver runs the whole flow.

Two short songs are generated with sox (different tempi and keys, a beat and a chord each), `mashup serve` starts
on a free loopback port over a temporary storage folder, and the browser: opens `/`, chooses both files in the file
input, presses Create, sees progress, hears the result (the <audio> element plays: readyState >= 2, currentTime
advances, no error) beside the SVG timeline, seeks by clicking a section, edits a layer (gain and an added effect)
and renders again to a new result whose plan holds the edit, finds both jobs in the history, sees the validator's
located error for a broken plan in the JSON box, and sees the server's error for a text file named .wav. Any
browser console error fails the test (except the one network line Chromium logs for that refused upload). The
server is stopped in every case. A screenshot of the result goes to --screenshot (pngquant when available).

Usage: scripts/ui-test.py --mashup .build/release/mashup [--screenshot docs/studio.png] [--keep]
"""
import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

# Bounds (seconds). The whole run stays under about three minutes on a 2-core machine with a release build.
WHOLE_RUN_SECONDS = 240
SERVER_START_SECONDS = 20
FIRST_RESULT_SECONDS = 120
RERENDER_SECONDS = 90
PLAYBACK_SECONDS = 15
# The player must advance at least this far while playing (seconds of audio).
PLAYBACK_ADVANCE_SECONDS = 0.5
# A click on a section must put the playhead within this of the section's start (seconds).
SEEK_TOLERANCE_SECONDS = 0.75
EDITED_GAIN_DB = -12
ADDED_EFFECT = "delay"


class Failure(Exception):
    pass


def log(text):
    print(f"[ui-test {time.strftime('%H:%M:%S')}] {text}", flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_song(folder, name, bpm, chord_hz, seconds=20):
    """A stereo song: a kick on every beat and a sustained chord."""
    beat = 60.0 / bpm
    kick = os.path.join(folder, f"{name}-kick.wav")
    tone = os.path.join(folder, f"{name}-tone.wav")
    out = os.path.join(folder, f"{name}.wav")
    beats = int(seconds / beat)
    subprocess.run(["sox", "-n", "-r", "44100", "-c", "2", kick, "synth", "0.09", "sine", "90:40", "fade", "0", "0.09", "0.08",
                    "pad", "0", f"{beat - 0.09:.4f}", "repeat", str(beats - 1)], check=True)
    synth = ["sox", "-n", "-r", "44100", "-c", "2", tone, "synth", str(seconds)]
    for hz in chord_hz:
        synth += ["sine", str(hz)]
    synth += ["remix", "-", "-", "fade", "0.1", str(seconds), "0.5", "vol", "0.25"]
    subprocess.run(synth, check=True)
    subprocess.run(["sox", "-m", kick, tone, out, "trim", "0", str(seconds)], check=True)
    return out


def wait_for(description, seconds, probe, interval=0.2):
    deadline = time.monotonic() + seconds
    last = None
    while time.monotonic() < deadline:
        try:
            last = probe()
        except Exception as error:  # a stale element while the page redraws: try again
            last = error
            last_value = None
        else:
            last_value = last
            if last_value:
                return last_value
        time.sleep(interval)
    raise Failure(f"timed out after {seconds} s waiting for {description} (last: {last!r})")


def start_server(binary, port, storage):
    env = dict(os.environ)
    for name in ["MASHUP_API_TOKEN", "ANALYSIS_API_URL", "SCORING_API_URL", "ORCHESTRATOR_API_URL", "SEPARATION_API_URL",
                 "ANTHROPIC_API_KEY", "MASHUP_DATABASE_URL", "SUPABASE_URL"]:
        env.pop(name, None)
    logfile = open(os.path.join(storage, "..", "serve.log"), "w")
    process = subprocess.Popen([binary, "serve", "--host", "127.0.0.1", "--port", str(port), "--storage", storage],
                               stdout=logfile, stderr=subprocess.STDOUT, env=env)
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise Failure(f"mashup serve exited with {process.returncode} (log: {logfile.name})")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as answer:
                if answer.status == 200:
                    return process, logfile
        except OSError:
            time.sleep(0.2)
    raise Failure("mashup serve did not answer /healthz")


def stop_server(process):
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


def browser(width, height):
    options = webdriver.ChromeOptions()
    for argument in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars",
                     f"--window-size={width},{height}", "--force-device-scale-factor=1",
                     "--autoplay-policy=no-user-gesture-required", "--mute-audio"]:
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"), options=options)
    driver.set_script_timeout(30)
    return driver


def console_errors(driver, allowed):
    """SEVERE browser log entries, except those matching one of the `allowed` predicates; and how many were allowed."""
    errors, excused = [], 0
    for entry in driver.get_log("browser"):
        if entry.get("level") != "SEVERE":
            continue
        if any(rule(entry) for rule in allowed):
            excused += 1
            continue
        errors.append(entry)
    return errors, excused


def player_state(driver):
    return driver.execute_script(
        "const p = document.getElementById('player');"
        "return {src: p.currentSrc, readyState: p.readyState, currentTime: p.currentTime, paused: p.paused,"
        " error: p.error ? p.error.code : null, duration: p.duration, job: p.dataset.job || null};")


def check_playback(driver):
    driver.execute_script("const p = document.getElementById('player'); p.currentTime = 0; p.play().catch(() => {});")
    start = wait_for("the player to start", PLAYBACK_SECONDS,
                     lambda: (lambda s: s if s["readyState"] >= 2 and not s["paused"] else None)(player_state(driver)))
    moved = wait_for("playback to advance", PLAYBACK_SECONDS,
                     lambda: (lambda s: s if s["currentTime"] >= start["currentTime"] + PLAYBACK_ADVANCE_SECONDS else None)(player_state(driver)))
    if moved["error"] is not None:
        raise Failure(f"the player reports error {moved['error']}")
    return moved


def result_job(driver):
    result = driver.find_element(By.ID, "result")
    if not result.is_displayed():
        return None
    return player_state(driver)["job"]


def fetch_json(driver, path):
    return driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch(arguments[0]).then(r => r.json()).then(done, e => done({fetch_error: String(e)}));", path)


def run(arguments, workdir):
    songs = [make_song(workdir, "lead-song", 120, [220.0, 261.63, 329.63]),        # A minor, 120 BPM
             make_song(workdir, "bed-song", 100, [293.66, 369.99, 440.0])]         # D major, 100 BPM
    bad = os.path.join(workdir, "notes.wav")
    with open(bad, "w") as handle:
        handle.write("this is a text file, not audio\n")
    storage = os.path.join(workdir, "data")
    os.makedirs(storage)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server, logfile = start_server(arguments.mashup, port, storage)
    driver = None
    try:
        log(f"mashup serve on {base} (storage {storage})")
        driver = browser(1280, 900)
        driver.get(base + "/")
        if "mashup" not in driver.title.lower():
            raise Failure(f"unexpected page title {driver.title!r}")
        file_input = driver.find_element(By.CSS_SELECTOR, "input[type=file]")
        file_input.send_keys("\n".join(songs))
        create = driver.find_element(By.XPATH, "//button[normalize-space()='Create']")
        create.click()
        started = time.monotonic()
        log("files chosen, Create pressed")

        # Progress: the bar and the percentage move while the job runs.
        seen = set()
        def progress_or_result():
            box = driver.find_element(By.ID, "progress-box")
            if box.is_displayed():
                seen.add(int(driver.find_element(By.ID, "progress-bar").get_attribute("value") or 0))
                phase = driver.find_element(By.ID, "progress-phase").text
                if phase:
                    seen.add(phase)
            return result_job(driver)
        first_job = wait_for("the first result", FIRST_RESULT_SECONDS, progress_or_result, interval=0.1)
        numbers = sorted(v for v in seen if isinstance(v, int))
        phases = sorted(v for v in seen if isinstance(v, str))
        log(f"first result {first_job} after {time.monotonic() - started:.1f} s; progress seen {numbers}, phases {phases}")
        if not numbers or max(numbers) <= 0:
            raise Failure(f"no progress was shown while the job ran: {seen}")
        percent = driver.find_element(By.ID, "progress-percent").text
        if not percent.endswith("%"):
            raise Failure(f"no percentage shown: {percent!r}")

        # The result plays beside its SVG timeline.
        sections = driver.find_elements(By.CSS_SELECTOR, "#timeline-svg svg g.section")
        if not sections:
            raise Failure("no SVG timeline with sections beside the player")
        state = check_playback(driver)
        log(f"playing: readyState {state['readyState']}, currentTime {state['currentTime']:.2f} s of {state['duration']:.1f} s")
        target = sections[-1]
        start_seconds = float(target.get_attribute("data-start-seconds"))
        driver.execute_script("arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true}))", target)
        seeked = wait_for("the click on a section to seek", PLAYBACK_SECONDS,
                          lambda: (lambda s: s if abs(s["currentTime"] - start_seconds) <= SEEK_TOLERANCE_SECONDS + 0.5 and s["currentTime"] >= start_seconds - SEEK_TOLERANCE_SECONDS else None)(player_state(driver)))
        log(f"section click seeked to {seeked['currentTime']:.2f} s (section starts at {start_seconds:.2f} s)")
        playhead = driver.execute_script("const l = document.querySelector('#timeline-svg line.playhead'); return l ? parseFloat(l.getAttribute('x1')) : null;")
        if playhead is None or playhead <= 64:
            raise Failure(f"the playhead did not follow playback (x = {playhead})")
        driver.execute_script("document.getElementById('player').pause()")
        for kind in ["dl-wav", "dl-flac", "dl-mp3"]:
            href = driver.find_element(By.ID, kind).get_attribute("href")
            if f"/v1/jobs/{first_job}/audio" not in href:
                raise Failure(f"download link {kind} is {href!r}")

        # Edit: a gain and an added effect on the first layer of the first section, then render again.
        gain = driver.find_element(By.ID, "gain-0-0")
        gain.send_keys(Keys.CONTROL, "a")
        gain.send_keys(str(EDITED_GAIN_DB), Keys.TAB)   # typed as a person would; Tab commits (change event)
        Select(driver.find_element(By.ID, "fx-0-0")).select_by_value(ADDED_EFFECT)
        driver.find_element(By.ID, "fx-add-0-0").click()
        rerender_started = time.monotonic()
        driver.find_element(By.ID, "rerender-button").click()
        second_job = wait_for("the re-rendered result", RERENDER_SECONDS,
                              lambda: (lambda j: j if j and j != first_job else None)(result_job(driver)), interval=0.1)
        rerender_seconds = time.monotonic() - rerender_started
        status = fetch_json(driver, f"/v1/jobs/{second_job}")
        plan = status.get("masterplan") or {}
        plan = plan.get("masterplan", plan)
        layer = plan["timeline"][0]["layers"][0]
        if layer.get("volume_db") != EDITED_GAIN_DB or ADDED_EFFECT not in layer.get("effects", []):
            raise Failure(f"the new result does not hold the edit: {layer}")
        log(f"re-rendered to {second_job} in {rerender_seconds:.1f} s with the edited layer {layer}")
        check_playback(driver)
        driver.execute_script("document.getElementById('player').pause()")

        # History lists both jobs, complete.
        def history():
            items = driver.find_elements(By.CSS_SELECTOR, "#history-list li")
            jobs = {li.get_attribute("data-job"): li.text for li in items}
            return jobs if first_job in jobs and second_job in jobs and "complete" in jobs[second_job] else None
        jobs = wait_for("both jobs in the history", 10, history)
        log(f"history lists {len(jobs)} jobs")

        if arguments.screenshot:
            driver.execute_script("window.scrollTo(0, 0)")
            height = driver.execute_script("return document.documentElement.scrollHeight")
            driver.set_window_size(1280, min(height, 1700))
            time.sleep(0.5)
            driver.save_screenshot(arguments.screenshot)
            driver.set_window_size(1280, 900)
            if shutil.which("pngquant"):
                subprocess.run(["pngquant", "--force", "--skip-if-larger", "--speed", "1", "--quality=60-95", "--output",
                                arguments.screenshot, arguments.screenshot], check=False)
            log(f"screenshot {arguments.screenshot} ({os.path.getsize(arguments.screenshot)} bytes)")

        # The validator's located error for a broken plan.
        driver.execute_script("document.getElementById('json-box').open = true")
        broken = json.loads(driver.find_element(By.ID, "plan-json").get_attribute("value"))
        broken["masterplan"]["timeline"][0]["duration_sec"] = -4
        driver.execute_script("document.getElementById('plan-json').value = arguments[0]", json.dumps(broken, indent=2))
        driver.find_element(By.ID, "validate-button").click()
        issue = wait_for("the validator's issue", 10, lambda: next(
            (li.text for li in driver.find_elements(By.CSS_SELECTOR, "#plan-issues li") if "timeline[0].duration_sec" in li.text), None))
        log(f"validator issue shown: {issue!r}")

        # A text file named .wav: the server's message and field on the page.
        file_input = driver.find_element(By.CSS_SELECTOR, "input[type=file]")
        file_input.send_keys(bad)
        banner = wait_for("the upload error", 10, lambda: (lambda b: b if b.is_displayed() and "not an audio file" in b.text else None)(
            driver.find_element(By.ID, "error-banner")))
        if "body" not in banner.text:
            raise Failure(f"the error does not name the field: {banner.text!r}")
        log(f"bad file refused on the page: {banner.text.splitlines()[1] if len(banner.text.splitlines()) > 1 else banner.text}")

        # No console errors, except the network line for that refused upload.
        refused_upload = lambda e: e.get("source") == "network" and "/v1/uploads" in e.get("message", "") and "400" in e.get("message", "")
        errors, excused = console_errors(driver, [refused_upload])
        if errors:
            raise Failure("browser console errors: " + json.dumps(errors, indent=1))
        log(f"no console errors ({excused} network line(s) for the refused upload excused); "
            f"whole flow {time.monotonic() - started:.1f} s")
    finally:
        if driver is not None:
            driver.quit()
        stop_server(server)
        logfile.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mashup", required=True, help="the mashup binary (a release build)")
    parser.add_argument("--screenshot", help="where to save a screenshot of the result")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (songs, storage, server log)")
    arguments = parser.parse_args()

    def watchdog(signum, frame):
        raise Failure(f"the UI test took longer than {WHOLE_RUN_SECONDS} s")
    signal.signal(signal.SIGALRM, watchdog)
    signal.alarm(WHOLE_RUN_SECONDS)
    workdir = tempfile.mkdtemp(prefix="mashup-ui-test-")
    try:
        run(arguments, workdir)
    except Exception as failure:   # a Failure, or Selenium's own error: reported the same way
        log(f"FAILED: {type(failure).__name__}: {str(failure).splitlines()[0] if str(failure) else ''}")
        log_path = os.path.join(workdir, "serve.log")
        if os.path.exists(log_path):
            print("--- mashup serve log (last 30 lines) ---")
            print("".join(open(log_path).readlines()[-30:]))
        return 1
    finally:
        signal.alarm(0)
        if not arguments.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            log(f"kept {workdir}")
    log("PASSED")
    return 0


if __name__ == "__main__":
    sys.exit(main())
