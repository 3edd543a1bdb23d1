#!/usr/bin/env bash
# A busy host on demand: brings one lab up and down in a loop, so that whatever runs beside
# it (`bash .ci/run`, `make test`, a class) shares the engine with a lab that comes and goes.
#
#   tests/churn.sh NAME [TURNS]     # TURNS up-and-down turns (default: until Ctrl-C)
#
# NAME is the churning lab's LAB_NAME (its subnets allocated; never the lab of the run beside
# it). One line per turn; make's whole output goes to a log. Ctrl-C (or a TERM, once the step
# running ends) brings the lab down and exits 130. Exit 1 when a turn failed (the loop goes on).
set -euo pipefail
cd "$(dirname "$0")/.."

name=${1:-}
turns=${2:-0}
if [[ -z $name || $name == smtplab || ! $turns =~ ^[0-9]+$ ]]; then
    echo "usage: tests/churn.sh NAME [TURNS]  (NAME: a lab name of its own, not smtplab; TURNS: a number)" >&2
    exit 2
fi
unset LAB_INTERNET_NET LAB_LAN_NET MAKELEVEL MAKEFLAGS MFLAGS
export LAB_NAME=$name CI=true
log=$(mktemp "/tmp/churn-$name.XXXXXX.log")
failed=0

down() { make -s lab-down >> "$log" 2>&1 || echo "churn $name: lab-down failed (see $log)" >&2; }
trap 'trap "" INT TERM; echo "churn $name: stopped; bringing the lab down"; down; exit 130' INT TERM

echo "churn $name: lab $name up and down$( ((turns)) && echo " $turns times" || echo " until Ctrl-C"); log $log"
turn=0
while ((turns == 0 || turn < turns)); do
    turn=$((turn + 1))
    start=$SECONDS
    if make -s lab-up >> "$log" 2>&1; then up="up in $((SECONDS - start)) s"; else up="lab-up FAILED"; failed=$((failed + 1)); fi
    start=$SECONDS
    down
    echo "churn $name: turn $turn: $up, down in $((SECONDS - start)) s"
done
echo "churn $name: $turn turns, $failed failed"
((failed == 0))
