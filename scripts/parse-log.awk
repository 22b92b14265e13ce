# Read a guest console log (test mode) and print one line:
#   pass fail skip tests dmesg problems
# where pass/fail/skip are summed kselftest Totals (pass+xpass, fail+error,
# skip), tests is how many test programs ran and problems is a
# ';'-separated list of reasons the run failed beyond counted tests
# ("-" when none); dmesg is clean, FAIL or missing.  Test names that failed go to the file "failed"
# (-v failed=PATH), dmesg findings to "reports" (-v reports=PATH).
function add(reason) { problems = problems (problems == "" ? "" : "; ") reason }
function close_test(rc,   bad) {
	bad = 0
	if (!have_totals) { fail++; bad = 1 }
	else if (t_fail > 0) bad = 1
	else if (rc != 0 && rc != 4) { fail++; bad = 1 }
	if (bad) print cur " (rc=" rc ")" > failed
	cur = ""
}
BEGIN { pass = fail = skip = tests = 0; problems = ""; cur = ""; in_dmesg = 0 }
/SHMDEV-TEST-BEGIN: / {
	if (cur != "") close_test("none")
	sub(/.*SHMDEV-TEST-BEGIN: /, ""); cur = $0; tests++
	have_totals = 0; t_fail = 0; next
}
/SHMDEV-TEST-END: / {
	rc = $0; sub(/.*rc=/, "", rc)
	if (cur != "") close_test(rc + 0)
	next
}
cur != "" && /# Totals: pass:[0-9]+ fail:[0-9]+ xfail:[0-9]+ xpass:[0-9]+ skip:[0-9]+ error:[0-9]+/ {
	s = $0; sub(/.*# Totals: /, "", s); n = split(s, kv, /[ :]+/)
	for (i = 1; i < n; i += 2) v[kv[i]] = kv[i + 1] + 0
	# Only the last Totals line of a program counts.
	if (have_totals) { pass -= l_pass; fail -= l_fail; skip -= l_skip }
	l_pass = v["pass"] + v["xpass"]; l_fail = v["fail"] + v["error"]; l_skip = v["skip"]
	pass += l_pass; fail += l_fail; skip += l_skip
	t_fail = l_fail; have_totals = 1; next
}
/SHMDEV-DMESG-BEGIN/ { in_dmesg = 1; have_dmesg = 1; next }
/SHMDEV-DMESG-END/ { in_dmesg = 0; next }
in_dmesg && /BUG:|WARNING:|Oops|UBSAN:|KASAN:|possible circular locking|possible recursive locking|inconsistent lock state|general protection fault|kernel BUG|KFENCE:|kmemleak:.*unreferenced|Call Trace:|blocked for more than|detected stall|soft lockup|hard LOCKUP/ {
	print > reports; dmesg_bad = 1; next
}
/SHMDEV-TAINT: / {
	t = $0; sub(/.*SHMDEV-TAINT: /, "", t); t += 0
	# Allowed: O (bit 12, 4096) and E (bit 13, 8192); mawk has no and().
	if (t % 4096 != 0 || int(t / 16384) != 0) add("kernel tainted " t " (allowed: 12288 = O|E)")
	have_taint = 1
}
/SHMDEV-ERROR: / { e = $0; sub(/.*SHMDEV-ERROR: /, "", e); add(e) }
/SHMDEV-RESULT: rc=/ { result = 1 }
/Kernel panic - not syncing/ { add("kernel panic") }
END {
	if (cur != "") { close_test("none"); add("guest stopped during " cur) }
	if (dmesg_bad) add("dmesg reports (see above)")
	if (!result) add("no SHMDEV-RESULT marker from the guest")
	else if (!have_taint) add("no taint value from the guest")
	print pass, fail, skip, tests, (dmesg_bad ? "FAIL" : have_dmesg ? "clean" : "missing"),
		(problems == "" ? "-" : problems)
}
