"""Every kind of mistake in a scenario file gets one line naming the file and the field."""

import textwrap

import pytest

from lab.model import scenario
from lab.model import settings
from lab.model import topology
from lab.errors import LabError

GOOD = """\
id: {id}
title: A test variant
title_ja: テスト用のバリアント
server: postfix
postconf: |
  mynetworks = 127.0.0.0/8, {{{{relay}}}}
files:
  /etc/postfix/access: ""
probes: [direct-inbound, via-relay]
expect:
  direct-inbound: rejected
  via-relay: delivered
lesson: Something to learn.
lesson_ja: 学ぶべきこと。
"""


@pytest.fixture(scope="module")
def topo():
    return topology.load(settings.load({}))


def write(tmp_path, text, name="case"):
    path = tmp_path / f"{name}.yaml"
    path.write_text(text)
    return path


def test_a_good_file_loads_and_fills_placeholders(tmp_path, topo):
    s = scenario.load(write(tmp_path, GOOD.format(id="case")), topo)
    assert [p.id for p in s.probes] == ["direct-inbound", "via-relay"]
    assert str(s.expect["via-relay"]) == "delivered"
    assert s.rendered(topo).postconf.strip() == f"mynetworks = 127.0.0.0/8, {topo.hosts['relay'].address}"
    assert (s.title_ja, s.lesson_ja) == ("テスト用のバリアント", "学ぶべきこと。")
    assert s.text("lesson", "ja") == "学ぶべきこと。" and s.text("lesson", "en") == "Something to learn."


def replace(old, new):
    return GOOD.format(id="case").replace(old, new)


CASES = {
    # an unclosed bracket or quote is named where it opens, not where the parser gave up
    "bad-yaml": ("id: [unclosed\n", "line 1: not valid YAML (a flow sequence opens here"),
    "unclosed-quote": ('id: case\ntitle: "A test variant\nserver: postfix\nlesson: L\n',
                       "line 2: not valid YAML (a quoted scalar opens here: found unexpected end of stream at line 5)"),
    "bad-indent": (replace("server: postfix", "  server: postfix"), "line 4: not valid YAML (mapping values are not allowed"),
    "not-a-mapping": ("- just\n- a list\n", "file: must be a mapping"),
    "missing-field": (replace("lesson: Something to learn.\n", ""), "lesson: missing"),
    # every lesson and title in both languages (LAB_LANG=ja)
    "missing-japanese-lesson": (replace("lesson_ja: 学ぶべきこと。\n", ""), "lesson_ja: missing"),
    "missing-japanese-title": (replace("title_ja: テスト用のバリアント\n", ""), "title_ja: missing"),
    "empty-japanese-title": (replace("title_ja: テスト用のバリアント", "title_ja: ''"), "title_ja: missing"),
    "unknown-field": (replace("server: postfix", "server: postfix\nservr: x"), "servr: unknown field"),
    "id-not-file-name": (replace("id: case", "id: other"), "id: must be the file name"),
    "unknown-server": (replace("server: postfix", "server: exim"), "server: unknown server 'exim'"),
    "unknown-probe": (replace("[direct-inbound, via-relay]", "[direct-inbound, via-relay, teleport]"),
                      "probes: unknown probe 'teleport'"),
    "unknown-outcome": (replace("direct-inbound: rejected", "direct-inbound: bounced"),
                        "expect.direct-inbound: unknown outcome 'bounced'"),
    "lost-is-never-expected": (replace("direct-inbound: rejected", "direct-inbound: lost"),
                               "expect.direct-inbound: unknown outcome 'lost'"),
    "missing-expectation": (replace("  via-relay: delivered\n", ""), "expect.via-relay: missing"),
    "expectation-for-a-probe-not-run": (replace("  via-relay: delivered\n", "  via-relay: delivered\n  auth-lan: relayed\n"),
                                        "expect.auth-lan: not a probe this scenario runs"),
    "unknown-host": (replace("{{relay}}", "{{gateway}}"), "postconf: unknown host 'gateway'"),
    "bad-main-cf": (replace("mynetworks = 127.0.0.0/8", "mynetworks 127.0.0.0/8"), "postconf: main.cf line is not"),
    "master-cf-not-text": (replace("server: postfix", "server: postfix\nmaster_cf: [a, b]"),
                           "master_cf: must be master.cf lines (text), for server postfix"),
    "relative-file": (replace("/etc/postfix/access", "etc/postfix/access"), "files: must map absolute paths"),
    "drac-expire-words": (replace("server: postfix", "server: postfix\ndrac_expire: 5 minutes"),
                          "drac_expire: must be whole seconds"),
    "drac-expire-zero": (replace("server: postfix", "server: postfix\ndrac_expire: 0"), "drac_expire: must be whole seconds"),
}


@pytest.mark.parametrize("case", CASES)
def test_each_mistake_is_one_line_naming_file_and_field(tmp_path, topo, case):
    text, message = CASES[case]
    path = write(tmp_path, text)
    with pytest.raises(LabError) as err:
        scenario.load(path, topo)
    assert str(err.value).startswith(f"{path}: "), err.value
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_unknown_variant_lists_the_known_ones(topo):
    with pytest.raises(LabError, match=r"unknown variant 'nosuch': scenarios/ has .*method1"):
        scenario.find("nosuch", topo)


def test_a_probe_plan_naming_an_unknown_host_is_refused(tmp_path):
    path = write(tmp_path, textwrap.dedent("""\
        p1:
          what: x
          client: mars
          to: remote
        """), "plan")
    with pytest.raises(LabError, match=r"plan.yaml: p1.client: unknown host 'mars'"):
        scenario.load_probes(path, hosts={"outside"})


def test_standard_in_a_probe_list_is_the_whole_plan_and_drac_expire_is_kept(tmp_path, topo):
    standard = [p for p, probe in scenario.load_probes().items() if probe.pop is None and not probe.extra]
    wanted = standard + ["pop-before-smtp-on"]
    text = GOOD.format(id="case").split("probes:")[0] + "drac_expire: 7\nprobes: [standard, pop-before-smtp-on]\n"
    text += "expect:\n" + "".join(f"  {p}: rejected\n" for p in wanted) + "lesson: Something to learn.\nlesson_ja: 学ぶ。\n"
    s = scenario.load(write(tmp_path, text), topo)
    assert [p.id for p in s.probes] == wanted
    assert s.drac_expire == 7 and s.rendered(topo).drac_expire == 7


def test_a_probe_plan_with_an_unknown_pop_step_is_refused(tmp_path):
    path = write(tmp_path, "p1:\n  what: x\n  client: outside\n  to: remote\n  pop: telnet\n", "plan")
    with pytest.raises(LabError, match=r"plan.yaml: p1.pop: must be one of none, login, expired, bad-password"):
        scenario.load_probes(path, hosts={"outside"})


def test_main_cf_continuation_lines_are_joined_like_postfix():
    text = "a = 1\n\nsmtpd_recipient_restrictions = permit_mynetworks,\n        reject\n# c\nb =\n"
    assert scenario.parse_main_cf(text) == [("a", "1"), ("smtpd_recipient_restrictions", "permit_mynetworks, reject"),
                                            ("b", "")]


@pytest.mark.parametrize("field, value, message", [("port", "smtp", "p1.port: must be a TCP port number"),
                                                   ("port", 70000, "p1.port: must be a TCP port number"),
                                                   ("starttls", "sometimes", "p1.starttls: must be true or false")])
def test_a_probe_with_a_bad_port_or_starttls_is_refused(tmp_path, field, value, message):
    path = write(tmp_path, f"p1:\n  what: x\n  client: outside\n  to: remote\n  {field}: {value}\n", "plan")
    with pytest.raises(LabError, match=message):
        scenario.load_probes(path, hosts={"outside"})
