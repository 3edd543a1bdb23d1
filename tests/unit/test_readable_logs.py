"""`make logs-<host>` shows the lines a person reads and hides the servers' verbose trace:
each writer's filter (lab.maillogs.readable), tried on the logs the lab's hosts really wrote
(tests/unit/recorded/logs/, and the traced sessions of recorded/postfix-trace/)."""

from pathlib import Path

import pytest

from lab.maillogs import readable
from lab.model import settings
from lab.views import lab_screen

RECORDED = Path(__file__).parent / "recorded"


def lines(name: str) -> list[str]:
    return (RECORDED / name).read_text().splitlines()


def message(line: str) -> str:
    return line.split(": ", 1)[1]


# what a student looks for in a Postfix log, said without the filter's own words
POSTFIX_FOR_PEOPLE = ("connect from ", "disconnect from ", "NOQUEUE: reject: ", "NOQUEUE: permit: ", "warning: ",
                      "fatal: ", "reload -- ", "refreshing the Postfix", "Deleted: ")
QUEUE_ID_FIELDS = ("client=", "message-id=", "from=<", "to=<", "removed")  # after "<queue id>: "
VERBOSE = ("match_list_match: ", "wanted attribute: flags", "private/rewrite socket", "generic_checks: ",
           "maps_find: ", "dict_", "send attr ", "input attribute ", ">>> START ", "statistics: ")


def postfix_person_reads(line: str) -> bool:
    if "dracd[" in line:
        return True
    text = message(line)
    queue_id, _, rest = text.partition(": ")
    return text.startswith(POSTFIX_FOR_PEOPLE) or (queue_id.isalnum() and queue_id.isupper()
                                                  and rest.startswith(QUEUE_ID_FIELDS))


@pytest.mark.parametrize("name", ["logs/postfix-mail.log"] + sorted(
    f"postfix-trace/{p.name}" for p in (RECORDED / "postfix-trace").glob("*.log")))
def test_postfix_shows_what_a_student_looks_for_and_hides_the_verbose_trace(name):
    log = lines(name)
    kept = [line for line in log if readable.for_people(line)]
    assert kept == [line for line in log if postfix_person_reads(line)]
    assert not [line for line in kept if any(v in line for v in VERBOSE)]
    assert any("connect from" in line for line in kept) and any("disconnect from" in line for line in kept)


def test_the_whole_postfix_log_shrinks_to_the_lines_of_each_message_and_each_decision():
    log = lines("logs/postfix-mail.log")
    kept = [line for line in log if readable.for_people(line)]
    assert len(kept) * 20 < len(log)  # 1585 lines written, 52 for people
    for wanted in ("NOQUEUE: reject: RCPT from inside.lab.example", "sasl_username=alice",
                   "SASL PLAIN authentication failed", "warning: restriction `check_relay_domains' after `reject'",
                   "status=sent (delivered to maildir)", "status=sent (250 2.0.0 Ok", "dracd[78]: added 100.64.5.200",
                   "from btree:/var/lib/drac/dracd", "reload -- version"):
        assert any(wanted in line for line in kept), wanted


def test_dovecot_logins_are_all_shown():
    log = lines("logs/postfix-dovecot.log")
    assert [line for line in log if readable.for_people(line)] == log
    assert any("Login: user=<alice>" in line for line in log) and any("auth failed" in line for line in log)


def test_sendmail_shows_its_decisions_and_deliveries_not_the_alias_housekeeping():
    log = lines("logs/sendmail-mail.log")
    kept = [line for line in log if readable.for_people(line)]
    hidden = [line for line in log if line not in kept]
    assert hidden and all("aliases" in line or "rsyslogd" in line for line in hidden)
    for wanted in ("tcpwrappers (outside.isp.example", "ruleset=check_rcpt", "AUTH=server", "AUTH failure",
                   "stat=Sent", "starting daemon"):
        assert any(wanted in line for line in kept), wanted


def test_dnsmasq_shows_the_queries_and_answers_less_the_ipv6_the_lab_never_answers():
    log = lines("logs/dns-dnsmasq.log")
    kept = [line for line in log if readable.for_people(line)]
    assert any("query[PTR]" in line for line in kept) and any("query[MX]" in line for line in kept)
    assert any(" is outside.isp.example" in line for line in kept)  # a PTR answer
    assert not [line for line in kept if "AAAA" in line or "NODATA-IPv6" in line or "REFUSED" in line]
    assert len(kept) < len(log)


def test_a_line_of_a_program_without_a_filter_and_text_that_is_no_log_line_are_shown():
    assert readable.for_people("Dec  3 14:18:18 postfix supervise: dracd ended (killed by signal 9); runit starts it again")
    assert readable.for_people("tail: '/var/log/mail.log' has appeared;  following new file")
    assert readable.for_people("Dec 03 14:18:20 postfix postfix/smtpd[9]: fatal: in parameter smtpd_relay_restrictions")
    assert not readable.for_people("Dec 03 14:18:20 postfix postfix/smtpd[9]: match_list_match: 10.0.0.1: no match")


def test_tail_names_a_file_only_when_one_of_its_lines_is_shown():
    verbose = "Dec 03 14:19:19 postfix postfix/smtpd[2503]: generic_checks: name=permit_mynetworks"
    reject = "Dec 03 14:19:20 postfix postfix/smtpd[2557]: NOQUEUE: reject: RCPT from x[1.2.3.4]: 554 5.7.1 no"
    login = "Dec 03 14:19:25 pop3-login: Info: Login: user=<alice>, method=PLAIN, rip=100.64.5.200"
    out = ["==> /var/log/mail.log <==", verbose, "", "==> /var/log/dovecot.log <==", login, "",
           "==> /var/log/mail.log <==", verbose, "", "==> /var/log/dovecot.log <==", "",
           "==> /var/log/mail.log <==", reject]
    assert list(readable.shown(out)) == ["==> /var/log/dovecot.log <==", login, "",
                                         "==> /var/log/mail.log <==", reject]


@pytest.mark.parametrize("lang, stop, every", [("en", "Ctrl-C stops", "every line"), ("ja", "Ctrl-C で終了", "全行")])
def test_the_first_line_says_how_to_stop_and_how_to_see_every_line(monkeypatch, lang, stop, every):
    monkeypatch.setenv("LAB_LANG", lang)
    s = settings.load({"LAB_NAME": "student07"}, nets=("100.64.3", "10.77.3"))
    line = lab_screen.logs_heading(s, "postfix", ["/var/log/mail.log", "/var/log/dovecot.log"], raw=False, follow=True)
    assert stop in line and every in line and "LAB_NAME=student07 make logs-postfix RAW=1" in line
    assert "/var/log/dovecot.log" in line
    raw = lab_screen.logs_heading(s, "postfix", ["/var/log/mail.log"], raw=True, follow=True)
    assert stop in raw and "RAW=1" not in raw
