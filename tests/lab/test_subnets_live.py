"""Subnets are allocated, not hashed: two labs whose names collided under the old
`crc32(name) % 200` (student07 and student13 did) come up at the same time side by side,
each with its own pair, keep it on the next `up`, and every command finds it by name.
The names are fresh ones that collide the same way (student07 may be someone's lab)."""

import ipaddress
import uuid
import zlib
from concurrent.futures import ThreadPoolExecutor

import pytest

from lab.errors import LabError
from lab.model import settings
from lab.runtime import engine, lifecycle, subnets


def old_slot(name: str) -> int:
    """The subnet slot the old hash gave a lab (student07 and student13 shared one)."""
    return zlib.crc32(name.encode()) % 200


def colliding_names() -> tuple[str, str]:
    prefix = f"sn{uuid.uuid4().hex[:5]}"
    seen: dict[int, str] = {}
    for n in range(1000):
        name = f"{prefix}-{n:02d}"
        if old_slot(name) in seen:
            return seen[old_slot(name)], name
        seen[old_slot(name)] = name
    raise AssertionError("no collision in 1000 names")


@pytest.fixture(scope="module")
def two_labs(docker_engine):
    names = colliding_names()
    try:
        with ThreadPoolExecutor(2) as pool:  # at the same time: the lock must keep them apart
            ups = list(pool.map(lambda n: lifecycle.up(settings.load({"LAB_NAME": n}), say=print), names))
        yield ups
    except LabError as exc:
        pytest.fail(str(exc), pytrace=False)
    finally:
        for name in names:
            lifecycle.down(settings.load({"LAB_NAME": name}))


def test_two_labs_the_old_hash_put_on_one_subnet_come_up_at_once_on_pairs_that_do_not_overlap(two_labs):
    a, b = (u.settings for u in two_labs)
    assert old_slot(a.name) == old_slot(b.name)  # crc32 would have given both the same subnets
    nets = [ipaddress.ip_network(f"{x}.0/24") for x in (a.internet_net, a.lan_net, b.internet_net, b.lan_net)]
    assert not any(x.overlaps(y) for i, x in enumerate(nets) for y in nets[i + 1:])
    assert all(all(h.health == "healthy" for h in u.hosts) for u in two_labs)
    for u in two_labs:  # the networks really have them
        assert subnets.lab_nets(u.settings.name) == {"internet": u.settings.internet_net, "lan": u.settings.lan_net}


def test_every_command_finds_a_labs_subnets_by_its_name(two_labs):
    for u in two_labs:
        fresh = subnets.resolve(settings.load({"LAB_NAME": u.settings.name}))  # as `make status` loads it
        assert (fresh.internet_net, fresh.lan_net, fresh.nets_from) == (u.settings.internet_net, u.settings.lan_net, "lab")
        assert lifecycle.status(settings.load({"LAB_NAME": u.settings.name})).settings == fresh


def test_the_next_up_keeps_the_pair(two_labs):
    first = two_labs[0].settings
    again = lifecycle.up(settings.load({"LAB_NAME": first.name}), say=print, build=False)
    assert (again.settings.internet_net, again.settings.lan_net) == (first.internet_net, first.lan_net)


def test_down_leaves_no_network_and_the_pair_is_free_again(two_labs):
    name = two_labs[1].settings.name
    lifecycle.down(settings.load({"LAB_NAME": name}))
    assert not engine.project_networks(name) and subnets.lab_nets(name) == {}
    assert subnets.resolve(settings.load({"LAB_NAME": name})).nets_from == "free"
