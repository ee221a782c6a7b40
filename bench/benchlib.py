"""What the benchmarks share: where the binary is, percentiles, the daemon's memory, the
machine line, starting the daemon on a free port, stopping it, and running a C benchmark.
HEALER_BIN picks another daemon binary (to compare builds)."""
import os
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HEALER = os.environ.get("HEALER_BIN", os.path.join(ROOT, "build", "healer"))
TOKEN = "bench-token-123456"
ADMIN_POLICY = "roles: {admin: ['console:bench']}\n"


def pct(values, p):
    """The p-th percentile (nearest rank); nan for no values."""
    v = sorted(values)
    return v[min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1))))] if v else float("nan")


def rss_kb(pid, field="VmRSS:"):
    """VmRSS counts shared library pages too (libcrypto alone is ~4 MB, shared with every
    other OpenSSL user); RssAnon is what this process alone costs."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field):
                return int(line.split()[1])
    return 0


def machine():
    """The line every benchmark prints: results mean little without the machine's load."""
    return f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}"


def runbooks(tmp, files):
    """Writes files ({name: text}, e.g. policy.yaml) into tmp/runbooks; returns that folder."""
    rb = os.path.join(tmp, "runbooks")
    os.makedirs(rb, exist_ok=True)
    for name, text in files.items():
        with open(os.path.join(rb, name), "w") as f:
            f.write(text)
    return rb


def daemon_env(tmp, rb, base=None, **extra):
    """The daemon's environment: base (default this process's), a store in tmp, a free
    port, the runbooks in rb, info logging, UTC; then extra."""
    env = dict(os.environ if base is None else base, HEALER_DB=os.path.join(tmp, "bench.db"),
               HEALER_LISTEN="127.0.0.1:0", HEALER_RUNBOOKS=rb, HEALER_LOG_LEVEL="info",
               TZ="UTC")
    env.update(extra)
    return env


def start(tmp, env, timeout=10.0, **popen):
    """Starts `healer serve` with env, its stderr in tmp/daemon.log (a file never fills up
    and blocks the daemon, a pipe nobody reads does). Returns (process, port) once it
    listens; SystemExit with the log when it does not within timeout."""
    log = os.path.join(tmp, "daemon.log")
    popen.setdefault("stdin", subprocess.DEVNULL)
    popen.setdefault("stdout", subprocess.DEVNULL)
    with open(log, "wb") as lf:
        p = subprocess.Popen([HEALER, "serve"], env=env, stderr=lf, **popen)
    deadline = time.time() + timeout
    while time.time() < deadline:
        with open(log, "rb") as f:
            m = re.search(rb"listening on 127\.0\.0\.1:(\d+)", f.read())
        if m:
            return p, int(m.group(1))
        if p.poll() is not None:
            break
        time.sleep(0.05)
    p.kill()
    with open(log, "rb") as f:
        raise SystemExit("daemon did not start:\n" + f.read().decode(errors="replace")[-4000:])


def stop(p, wait_s=10):
    """SIGTERM, then SIGKILL if it has not exited within wait_s."""
    p.terminate()
    try:
        p.wait(wait_s)
    except subprocess.TimeoutExpired:
        p.kill()


def run_c_bench(target, args, timeout):
    """Builds build/<target>, prints the machine line, runs it with args and passes its
    output on; exits with its status when it fails."""
    subprocess.run(["make", "--no-print-directory", "build/" + target], cwd=ROOT, check=True)
    print(machine(), flush=True)
    p = subprocess.run([os.path.join(ROOT, "build", target)] + list(args), cwd=ROOT,
                       timeout=timeout, capture_output=True, text=True)
    sys.stdout.write(p.stdout)
    if p.returncode != 0:
        sys.stderr.write(p.stderr)
        sys.exit(p.returncode)
