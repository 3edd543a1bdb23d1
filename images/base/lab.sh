# /usr/local/lib/lab/lab.sh -- steps the lab's entrypoints share (`. /usr/local/lib/lab/lab.sh`).

# Resolve through the lab DNS only (LAB_DNS): Docker's embedded DNS would answer reverse
# lookups itself with container names (DESIGN §9).
use_lab_dns() {
    [ -n "${LAB_DNS:-}" ] || return 0
    printf 'nameserver %s\nsearch lab.example\n' "$LAB_DNS" > /etc/resolv.conf
}

# The health checks connect from 127.0.0.2 (all of 127/8 is on lo) and the syslog router
# files what the servers log about that address apart (/etc/lab/rsyslog.conf). A name for
# it in /etc/hosts spares the servers a DNS lookup of the checker at every check.
name_health_address() {
    grep -q '^127\.0\.0\.2[[:space:]]' /etc/hosts || printf '127.0.0.2\thealthcheck\n' >> /etc/hosts
}

# postfix_settled [FILE...]: Postfix will not read a configuration file changed within the
# current second or so (it could still be being written) and sleeps until it is older: ~2 s
# for every postconf, postmap or reload right after a change. Called once the writing is
# done: dates main.cf and master.cf (or the FILEs) 2 s back. The lab's Postfix adapter runs
# it too (lab/servers/postfix.py).
postfix_settled() {
    [ "$#" -gt 0 ] || set -- /etc/postfix/main.cf /etc/postfix/master.cf
    touch -d "@$(($(date +%s) - 2))" "$@"
}

# wait_for WHAT COMMAND...: run COMMAND (quietly) until it succeeds, for up to 15 s.
wait_for() {
    what=$1; shift; i=0
    until "$@" > /dev/null 2>&1; do
        i=$((i + 1))
        [ "$i" -le 150 ] || { echo "entrypoint: $what not ready after 15 s" >&2; exit 1; }
        sleep 0.1
    done
}

# The image's daemons under runit's runsvdir, one service per folder of $SVDIR: a daemon
# that dies is started again (./finish says so on stdout and in the mail log). Runit, not
# a loop of our own: it is small (two processes of ~100 KiB each here), packaged by
# Debian, and `sv` gives the lab and a student one way to see, stop and start each daemon.
# Waits until every service's ./check passes (the syslog socket first of all).
start_services() {
    runsvdir -P "$SVDIR" &
    wait_for "the services in $SVDIR" sv check "$SVDIR"/*
}
