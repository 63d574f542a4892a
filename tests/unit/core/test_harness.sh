#!/bin/sh
# SPDX-License-Identifier: MIT
# The harness isolates tests: harness_victim's first test leaks and leaves
# fds open; it must fail by name with the leak counted, and the second test
# must pass on a clean host. Usage: test_harness.sh VICTIM
out=$("$1" 2>&1)
rc=$?
echo "$out"
fail() { echo "harness: $*"; echo "0 passed, 1 failed"; exit 1; }
[ $rc -ne 0 ] || fail "victim exited 0 although its first test leaked"
echo "$out" | grep -q '^FAIL leaks:' || fail "the leaking test was not failed by name"
echo "$out" | grep -q 'leaked [1-9][0-9]* allocations' || fail "the leak was not counted"
echo "$out" | grep -q 'left 1 raw tracepoints registered' || fail "the tracepoint left registered was not named"
echo "$out" | grep -q '^ok   after:' || fail "the test after a leaking one did not pass"
echo "$out" | grep -q '^1 passed, 1 failed, 0 skipped$' || fail "wrong summary"
echo "1 passed, 0 failed"
