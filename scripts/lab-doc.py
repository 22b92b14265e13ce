#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
# Usage: scripts/lab-doc.py TEMPLATE LOG OUT IMGDIR
# Fill the {{SECTION:COMMAND}} markers of docs/page-tables.md.in with the
# real output of a scripted lab run (SHMDEV_LAB_SCRIPT=scripts/guest/
# lab-tour.sh make lab; LOG is its console log): the block that starts
# with "lab# COMMAND" in section "=== SECTION", the Nth marker taking
# the Nth such block.  The files the tour printed between SHMDEV-FILE
# lines (the SVG pictures) are written to IMGDIR.
import re, sys
tmpl, log, out, imgdir = sys.argv[1:5]
lines = open(log, errors='replace').read().split('\n')
# files
i = 0; files = {}; clean = []
while i < len(lines):
    m = re.match(r'SHMDEV-FILE-BEGIN: (\S+)', lines[i])
    if m:
        j = i + 1; buf = []
        while lines[j] != 'SHMDEV-FILE-END':
            buf.append(lines[j]); j += 1
        files[m.group(1)] = '\n'.join(buf) + '\n'
        i = j + 1; continue
    clean.append(lines[i]); i += 1
for name, text in files.items():
    open(f'{imgdir}/{name}', 'w').write(text)
sections = {}; cur = None
for l in clean:
    m = re.match(r'=== (.*)', l)
    if m:
        cur = m.group(1); sections[cur] = []; continue
    if cur is not None:
        sections[cur].append(l)
used = {}
def block(sec, cmd):
    body = sections[sec]
    k = used.get((sec, cmd), 0)
    n = 0
    # The command line itself; a marker that is only its start (the
    # line has a number the run chose) when no line is exactly it.
    exact = any(l == 'lab# ' + cmd for l in body)
    for idx, l in enumerate(body):
        if l == 'lab# ' + cmd or (not exact and l.startswith('lab# ' + cmd)):
            if n == k:
                used[(sec, cmd)] = k + 1
                res = [l]
                for l2 in body[idx + 1:]:
                    if l2.startswith('lab# ') or l2.startswith('SHMDEV-'):
                        break
                    res.append(l2)
                while res and not res[-1].strip():
                    res.pop()
                return '```text\n' + '\n'.join(res) + '\n```'
            n += 1
    raise SystemExit(f'no block {sec!r} {cmd!r} #{k}')
t = open(tmpl).read()
t = re.sub(r'\{\{([^:}]+):([^}]+)\}\}', lambda m: block(m.group(1), m.group(2)), t)
open(out, 'w').write(t)
