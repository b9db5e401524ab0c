"""titan.Gate: a room's worth of requests at once, no one person holding more than their share,
the queue fair across people."""

from __future__ import annotations

import threading

import pytest

from titan import Gate

WAIT_S = 60.0


def admitted(tickets: list) -> list[bool]:
    return [ticket.wait(0) for ticket in tickets]


def test_one_person_holds_at_most_a_quarter_of_the_slots() -> None:
    gate = Gate(slots=8)
    alice = [gate.enter("alice") for _ in range(5)]
    assert admitted(alice) == [True, True, False, False, False]  # 8 // 4 = 2
    bob = gate.enter("bob")
    assert bob.wait(0)  # free slots are not held back for alice's queue


def test_a_small_room_still_lets_everyone_run_one() -> None:
    gate = Gate(slots=2)
    assert gate.per_person == 1
    first, second = gate.enter("alice"), gate.enter("alice")
    assert admitted([first, second]) == [True, False]
    first.leave()
    assert second.wait(0)


def test_a_freed_slot_goes_to_the_person_running_fewest() -> None:
    gate = Gate(slots=4, per_person=3)
    running = [gate.enter("alice") for _ in range(3)] + [gate.enter("bob")]
    assert all(admitted(running))
    alice_next, carol = gate.enter("alice"), gate.enter("carol")  # alice asked first
    assert (alice_next.ahead(), carol.ahead()) == (1, 0)
    running[0].leave()
    assert carol.wait(0) and not alice_next.wait(0)  # carol runs nothing yet: she goes first


def test_giving_up_a_place_in_the_queue_frees_it() -> None:
    gate = Gate(slots=1)
    holder, waiting, behind = gate.enter("alice"), gate.enter("bob"), gate.enter("carol")
    assert behind.ahead() == 1 and gate.waiting == 2
    waiting.leave()
    assert behind.ahead() == 0
    holder.leave()
    assert behind.wait(0) and gate.running == 1


def test_leaving_twice_frees_one_slot() -> None:
    gate = Gate(slots=2)
    first = gate.enter("alice")
    first.leave()
    first.leave()
    assert gate.running == 0
    assert all(admitted([gate.enter("bob"), gate.enter("carol")]))
    assert gate.running == 2


def test_many_threads_never_overfill_the_room_or_a_share() -> None:
    gate = Gate(slots=6)
    lock = threading.Lock()
    running: dict[str, int] = {}
    most = {"all": 0, "share": 0}
    failures: list[str] = []

    def person(name: str) -> None:
        for _ in range(25):
            ticket = gate.enter(name)
            if not ticket.wait(WAIT_S):
                failures.append(f"{name} never got a slot")
                return
            with lock:
                running[name] = running.get(name, 0) + 1
                most["all"] = max(most["all"], sum(running.values()))
                most["share"] = max(most["share"], running[name])
            with lock:
                running[name] -= 1
            ticket.leave()

    threads = [threading.Thread(target=person, args=(f"p{i % 5}",)) for i in range(15)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT_S)
    assert not failures and not any(thread.is_alive() for thread in threads)
    assert most["all"] <= 6 and most["share"] <= gate.per_person and gate.running == 0


def test_a_room_needs_a_slot() -> None:
    with pytest.raises(ValueError):
        Gate(slots=0)
