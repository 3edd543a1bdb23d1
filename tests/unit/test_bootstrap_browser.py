"""`python3 -m lab.bootstrap --browser`: what the report's browser test needs (chromium, a
Japanese font), installed like the rest - only what is missing, in one line, or one error
line giving the command."""

from lab.bootstrap import BROWSER, Machine, Plan, decide_browser

DEBIAN = Machine(commands=frozenset({"apt-get"}), os_ids=("debian",), root=True)


def test_nothing_to_do_when_both_are_there():
    assert decide_browser(DEBIAN) == Plan()


def test_only_what_is_missing_is_installed_and_said():
    plan = decide_browser(Machine(**{**DEBIAN.__dict__, "chromium": False}))
    assert plan.say == f"bootstrap: installing chromium ({BROWSER['chromium']}) with apt-get"
    assert plan.steps[-1].argv[-3:] == ("install", "-y", "chromium")
    both = decide_browser(Machine(**{**DEBIAN.__dict__, "chromium": False, "ja_font": False}))
    assert both.steps[-1].argv[-2:] == ("chromium", "fonts-ipafont-gothic")
    driver = decide_browser(Machine(**{**DEBIAN.__dict__, "chromedriver": False}))
    assert driver.steps[-1].argv[-3:] == ("install", "-y", "chromium-driver")


def test_without_root_or_elsewhere_one_line_gives_the_command():
    user = decide_browser(Machine(**{**DEBIAN.__dict__, "root": False, "ja_font": False}))
    assert user.error.endswith("needs root or passwordless sudo: run sudo apt-get update && "
                               "sudo apt-get install -y fonts-ipafont-gothic")
    other = decide_browser(Machine(commands=frozenset(), os_ids=("fedora",), root=True, chromium=False))
    assert other.error.startswith("bootstrap: missing chromium") and "\n" not in other.error
    opted_out = decide_browser(Machine(**{**DEBIAN.__dict__, "no_install": True, "chromium": False}))
    assert "LAB_NO_INSTALL is set" in opted_out.error and not opted_out.steps
