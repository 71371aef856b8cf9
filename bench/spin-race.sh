#!/usr/bin/env bash
# migfsm explore vs SPIN on the same system: N devices (default driver, every
# fault), free user, for N = 1..4 with SPIN, and more for migfsm alone.
# Release build; wall times include SPIN's spin -a and gcc -O2 compile.
#
#   bench/spin-race.sh            # N = 1..4 for both, 5..8 for migfsm
#   MAX_SPIN=3 MAX_MIGFSM=6 bench/spin-race.sh
set -euo pipefail
cd "$(dirname "$0")/.."
MAX_SPIN=${MAX_SPIN:-4}
MAX_MIGFSM=${MAX_MIGFSM:-8}
SPEC=Specs/vfio-v2.fsm
swift build -c release --product migfsm >/dev/null
MIGFSM=$PWD/.build/release/migfsm
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
now() { date +%s.%N; }
secs() { echo "$2 - $1" | bc -l; }

printf '%-3s | %-34s | %-44s | %s\n' N "migfsm (symmetry / none)" "SPIN (spin -a + gcc -O2 + pan)" "speed-up"
for n in $(seq 1 "$MAX_MIGFSM"); do
    t0=$(now); "$MIGFSM" explore "$SPEC" --devices "$n" > "$WORK/m.txt" || true; t1=$(now)
    m_states=$(grep -oE '^[0-9]+ states' "$WORK/m.txt" | cut -d' ' -f1)
    m_verdict=$(grep -q 'every property holds' "$WORK/m.txt" && echo holds || echo violation)
    m_time=$(secs "$t0" "$t1")
    if [ "$n" -le 4 ]; then
        t0=$(now); "$MIGFSM" explore "$SPEC" --devices "$n" --no-symmetry > "$WORK/u.txt" || true; t1=$(now)
        u_states=$(grep -oE '^[0-9]+ states' "$WORK/u.txt" | cut -d' ' -f1)
        u_time=$(secs "$t0" "$t1")
    else
        u_states=-; u_time=0
    fi
    if [ "$n" -le "$MAX_SPIN" ]; then
        "$MIGFSM" export --promela "$SPEC" --devices "$n" --out "$WORK/m.pml"
        t0=$(now)
        (cd "$WORK" && spin -a m.pml >/dev/null && gcc -O2 -DSAFETY -DNOREDUCE -o pan pan.c \
            && ./pan -m10000000 -c0 -E -w24 > pan.txt)
        t1=$(now)
        s_states=$(grep -E 'states, stored' "$WORK/pan.txt" | awk '{print $1}')
        s_errors=$(grep -oE 'errors: [0-9]+' "$WORK/pan.txt" | awk '{print $2}')
        s_verdict=$([ "$s_errors" = 0 ] && echo holds || echo violation)
        s_time=$(secs "$t0" "$t1")
        spin_col=$(printf '%8.3f s %9s states %8.0f st/s %s' "$s_time" "$s_states" "$(echo "$s_states / $s_time" | bc -l)" "$s_verdict")
        speed=$(printf '%.1fx' "$(echo "$s_time / $m_time" | bc -l)")
    else
        spin_col="-"; speed="-"
    fi
    printf '%-3s | %7.3f s %7s st %s / %6.3f s %8s st | %-44s | %s\n' "$n" "$m_time" "$m_states" "$m_verdict" "$u_time" "$u_states" "$spin_col" "$speed"
done
