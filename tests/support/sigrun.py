#!/usr/bin/python3
"""sigrun.py SIGNAL READY_GLOB -- CMD...: run CMD with SIGINT and SIGTERM at
their default actions (a background job of a non-interactive shell ignores
SIGINT), wait until a path matches READY_GLOB (at most 60 s), send SIGNAL
(INT or TERM) to CMD, wait for it (at most 60 s) and print its exit status
the shell's way (128 + N when a signal ended it) and its pid: "STATUS PID".
The tests of cleanup on interruption use it (tests/cli, tests/import, tests/xrt)."""
import glob
import signal
import subprocess
import sys
import time


def main():
    sig = getattr(signal, 'SIG' + sys.argv[1])
    ready, cmd = sys.argv[2], sys.argv[4:]

    def defaults():
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
    p = subprocess.Popen(cmd, preexec_fn=defaults)
    t0 = time.time()
    while not glob.glob(ready) and p.poll() is None and time.time() - t0 < 60:
        time.sleep(0.05)
    if p.poll() is None:
        p.send_signal(sig)
    try:
        rc = p.wait(60)
    except subprocess.TimeoutExpired:
        p.kill()
        rc = p.wait()
    print(128 - rc if rc < 0 else rc, p.pid)


if __name__ == '__main__':
    main()
