"""The sentence of a lesson that speaks about a probe: the one naming its id, else one with
the words its subject goes by (in English or Japanese)."""

from __future__ import annotations

from lab.model import prose

# what a lesson calls a probe's subject when it does not name the probe itself
SUBJECT = {
    "en": {"auth-lan": ("from the LAN", "authenticated users", "SMTP AUTH"),
           "auth-internet": ("from anywhere", "authenticated users", "SMTP AUTH"),
           "auth-bad-password": ("wrong password", "password"),
           "via-relay": ("via the MX", "trusted relay", "antivirus server", "MX"),
           "direct-inbound": ("direct", "outside host"),
           "relay-unauth-internet": ("relay attempt", "relays", "relaying", "relay"),
           "relay-unauth-lan": ("relay attempt", "relays", "relaying", "relay"),
           "relay-from-trusted": ("relay anywhere", "relay to ANY", "relay through us"),
           "auth-local": ("authenticated mail", "authenticated"),
           "submission": ("587", "submission"), "pop-before-smtp": ("POP3 login", "POP-before-SMTP", "drac")},
    "ja": {"auth-lan": ("LAN", "認証したユーザ", "SMTP AUTH"), "auth-internet": ("どこからでも", "認証したユーザ"),
           "auth-bad-password": ("パスワード",), "via-relay": ("MX 経由", "信頼するリレー", "アンチウイルス鯖", "MX"),
           "direct-inbound": ("直接",), "relay-unauth-internet": ("中継",), "relay-unauth-lan": ("中継",),
           "relay-from-trusted": ("どこへでも中継", "中継"), "auth-local": ("認証済み",),
           "submission": ("587",), "pop-before-smtp": ("POP3", "POP before SMTP", "drac")},
}


def sentence(lesson: str, probe: str, lang: str = "en") -> str | None:
    """The lesson's sentence about the probe, or None when it says nothing about it."""
    family = next((f for f in ("submission", "pop-before-smtp") if probe.startswith(f)), probe)
    return prose.about(lesson, (probe, *SUBJECT.get(lang, SUBJECT["en"]).get(family, ())))
