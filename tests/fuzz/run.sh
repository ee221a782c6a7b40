#!/bin/sh
# run.sh — drives the fuzz targets for the Makefile (docs/internals/fuzzing.md).
#   run.sh replay BUILD TARGET…    every corpus and reproducer file once, no new fuzzing;
#                                  files listed in tests/fuzz/known-failing are skipped
#   run.sh known BUILD TARGET…     only the known-failing files: says which pass by now
#   run.sh campaign BUILD TARGET…  FUZZ_SECONDS of fuzzing per target from its corpus
# A crash, a sanitizer report, a leak or a timeout fails replay (exit 1).
set -u
mode=$1 build=$2
shift 2
here=tests/fuzz
known=$here/known-failing
timeout=${FUZZ_TIMEOUT:-5}
artifacts=$build/fuzz-replay-artifacts # libFuzzer's copy of a failing input, out of the tree
rc=0
mkdir -p "$artifacts"

# Files of one target for replay: corpus and reproducers, known-failing ones left out.
inputs() {
	for f in "$here/corpus/$1"/* "$here/reproducers/$1"/*; do
		[ -f "$f" ] || continue
		if [ -f "$known" ] && grep -qxF "$f" "$known"; then
			continue
		fi
		printf '%s\n' "$f"
	done
}

case $mode in
replay)
	for t in "$@"; do
		list=$(inputs "$t")
		[ -n "$list" ] || continue
		n=$(printf '%s\n' "$list" | wc -l)
		log=$build/fuzz-replay-$t.log
		# shellcheck disable=SC2086 # one argument per file; corpus names have no blanks
		skipped=$(grep -c "^$here/reproducers/$t/" "$known" 2>/dev/null)
		extra=""
		[ "${skipped:-0}" -gt 0 ] && extra=", $skipped known-failing skipped"
		if "$build/fuzz/fuzz_$t" -timeout="$timeout" -rss_limit_mb=2048 \
		    -artifact_prefix="$artifacts/" $list >"$log" 2>&1; then
			echo "== fuzz_$t: $n inputs ok$extra"
		else
			echo "== fuzz_$t: FAILED on $(grep '^Running: ' "$log" | tail -1 | cut -c10-)"
			grep -E 'ERROR|runtime error|==fuzz==|SUMMARY' "$log" | head -5
			echo "   (full output: $log)"
			rc=1
		fi
	done
	;;
known)
	[ -f "$known" ] || exit 0
	grep -v '^#' "$known" | grep . | while read -r f; do
		t=$(basename "$(dirname "$f")")
		if "$build/fuzz/fuzz_$t" -timeout="$timeout" -rss_limit_mb=2048 \
		    -artifact_prefix="$artifacts/" "$f" >/dev/null 2>&1; then
			echo "passes now (remove it from $known): $f"
		else
			echo "still fails: $f"
		fi
	done
	;;
campaign)
	# Fork mode with crashes, timeouts and OOMs ignored: one known defect does not end the
	# run; every finding is kept in the crashes directory and fails the campaign at the end.
	for t in "$@"; do
		new=$build/fuzz-corpus/$t crashes=$build/fuzz-crashes/$t
		mkdir -p "$new" "$crashes"
		dict=""
		[ -f "$here/dict/$t.dict" ] && dict="-dict=$here/dict/$t.dict"
		before=$(ls "$crashes" | wc -l)
		echo "== fuzz_$t for ${FUZZ_SECONDS:-60} s (new inputs: $new, crashes: $crashes)"
		# shellcheck disable=SC2086 # $dict is empty or one word
		"$build/fuzz/fuzz_$t" "$new" "$here/corpus/$t" $dict -fork="${FUZZ_JOBS:-1}" \
		    -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
		    -max_total_time="${FUZZ_SECONDS:-60}" -timeout=10 -rss_limit_mb=2048 \
		    -artifact_prefix="$crashes/" >"$build/fuzz-$t.log" 2>&1
		grep -E '^#[0-9]+: cov' "$build/fuzz-$t.log" | tail -1
		after=$(ls "$crashes" | wc -l)
		if [ "$after" -gt "$before" ]; then
			echo "   $((after - before)) new finding(s) in $crashes (log: $build/fuzz-$t.log)"
			rc=1
		fi
	done
	;;
*)
	echo "usage: run.sh replay|known|campaign BUILD TARGET…" >&2
	exit 2
	;;
esac
exit $rc
