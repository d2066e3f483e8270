#!/usr/bin/env python3
"""Runs a command and prints its wall time and peak memory: the process's own (VmHWM) and the
largest of its descendants (the git processes it starts), sampled every 20 ms.

usage: peak_rss.py OUT -- COMMAND...   (OUT gets `wall_s own_kib children_kib`)"""
import os, subprocess, sys, time

out, cmd = sys.argv[1], sys.argv[3:]
start = time.monotonic()
proc = subprocess.Popen(cmd)
own = children = 0


def status(pid, field):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def descendants(pid):
    kids = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                kids += [int(k) for k in f.read().split()]
    except OSError:
        pass
    return kids + [d for k in kids for d in descendants(k)]


while proc.poll() is None:
    own = max(own, status(proc.pid, "VmHWM:"))
    for d in descendants(proc.pid):
        children = max(children, status(d, "VmHWM:"))
    time.sleep(0.02)
wall = time.monotonic() - start
with open(out, "w") as f:
    f.write(f"{wall:.2f} {own} {children}\n")
sys.exit(proc.returncode)
