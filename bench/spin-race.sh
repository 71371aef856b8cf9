#!/usr/bin/env bash
# migfsm explore against SPIN on the identical state space: N devices
# (default driver, every fault), free user, no symmetry reduction, the
# system migfsm exports as Promela (SPIN stores exactly migfsm's states).
# Then migfsm alone with symmetry reduction for larger N.
#
# For each N it prints, for both tools, the states and the states per
# second of the search, and two ratios (SPIN time / migfsm time):
#   search      migfsm's search (its --stats figure) against pan's run
#               (process wall time; spin -a and the C compile excluded)
#   end to end  the migfsm process against spin -a + cc + pan
# Release build; pan compiled with cc -O2 -DSAFETY -DNOREDUCE, run with
# -c0 (go on past errors, like migfsm), -E, a hash table of at least twice
# the states and a depth bound of four times the states.
#
#   bench/spin-race.sh                      # N = 1..4 against SPIN, 5..8 migfsm alone
#   MAX_SPIN=3 MAX_MIGFSM=6 THREADS=1 bench/spin-race.sh
set -euo pipefail
cd "$(dirname "$0")/.."
MAX_SPIN=${MAX_SPIN:-4}
MAX_MIGFSM=${MAX_MIGFSM:-8}
THREADS=${THREADS:-$(nproc)}
SPEC=Specs/vfio-v2.fsm
swift build -c release --product migfsm >/dev/null
MIGFSM=$PWD/.build/release/migfsm
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
now() { date +%s.%N; }
calc() { echo "$1" | bc -l; }
fmt() { printf "%.${2:-3}f" "$(calc "$1")"; }

# Runs migfsm; sets m_states, m_search (s), m_wall (s), m_verdict.
run_migfsm() {
    local t0 t1
    t0=$(now)
    "$MIGFSM" explore "$SPEC" --devices "$1" --threads "$THREADS" --stats "${@:2}" \
        > "$WORK/m.txt" 2> "$WORK/m.err" || true
    t1=$(now)
    m_wall=$(calc "$t1 - $t0")
    m_states=$(grep -oE '^[0-9]+ states' "$WORK/m.txt" | cut -d' ' -f1)
    m_search=$(calc "$(grep -oE 'search [0-9.]+ ms' "$WORK/m.err" | awk '{print $2}') / 1000")
    m_verdict=$(grep -q 'every property holds' "$WORK/m.txt" && echo holds || echo violation)
}

echo "migfsm against SPIN, free user, no symmetry reduction ($THREADS migfsm thread(s)); ratio = SPIN time / migfsm time"
printf '%-2s | %-9s | %-27s | %-10s | %-27s | %-9s | %-9s | %s\n' \
    N states "migfsm search (states/s)" "migfsm e2e" "pan search (states/s)" "spin+cc" "SPIN e2e" "ratio search / end to end"
for n in $(seq 1 "$MAX_SPIN"); do
    run_migfsm "$n" --no-symmetry
    "$MIGFSM" export --promela "$SPEC" --devices "$n" --out "$WORK/m.pml"
    # pan's hash table sized for the states it will store (2^w slots, at
    # least twice the states), so that neither tool pays for a bigger one.
    # Its depth bound likewise: its depth-first stack never holds more
    # than every state once (pan allocates the whole stack up front).
    hash=10
    while [ $((1 << hash)) -lt $((2 * m_states)) ]; do hash=$((hash + 1)); done
    depth=$((4 * m_states + 10000))
    t0=$(now)
    (cd "$WORK" && spin -a m.pml >/dev/null && cc -O2 -DSAFETY -DNOREDUCE -o pan pan.c)
    t1=$(now)
    (cd "$WORK" && ./pan -m"$depth" -c0 -E -w"$hash" > pan.txt)
    t2=$(now)
    compile=$(calc "$t1 - $t0")
    pan=$(calc "$t2 - $t1")
    s_states=$(grep -E 'states, stored' "$WORK/pan.txt" | awk '{print $1}')
    s_errors=$(grep -oE 'errors: [0-9]+' "$WORK/pan.txt" | awk '{print $2}')
    s_verdict=$([ "$s_errors" = 0 ] && echo holds || echo violation)
    same=$([ "$s_states" = "$m_states" ] && [ "$s_verdict" = "$m_verdict" ] && echo "" || echo " MISMATCH: SPIN $s_states $s_verdict")
    printf '%-2s | %-9s | %8s s (%10s/s) | %8s s | %8s s (%10s/s) | %7s s | %7s s | %6sx / %sx %s%s\n' \
        "$n" "$m_states" "$(fmt "$m_search" 4)" "$(fmt "$m_states / $m_search" 0)" "$(fmt "$m_wall")" \
        "$(fmt "$pan")" "$(fmt "$s_states / $pan" 0)" "$(fmt "$compile" 2)" "$(fmt "$compile + $pan" 2)" \
        "$(fmt "$pan / $m_search" 1)" "$(fmt "($compile + $pan) / $m_wall" 1)" "$m_verdict" "$same"
done

echo
echo "migfsm alone, free user, symmetry reduction"
printf '%-2s | %-10s | %-28s | %s\n' N states "search (states/s)" "end to end"
for n in $(seq 1 "$MAX_MIGFSM"); do
    run_migfsm "$n"
    printf '%-2s | %-10s | %8s s (%10s/s) | %8s s %s\n' "$n" "$m_states" "$(fmt "$m_search")" \
        "$(fmt "$m_states / $m_search" 0)" "$(fmt "$m_wall")" "$m_verdict"
done
