"""The variations the model is trained on: how requesters' records differ from the master's.

Training (training.py) links a sample of the master to perturbed copies of it;
these are the perturbations. They are the matcher's own, part of production:
the lab's synthetic generator borrows them (lab/synth.py), never the other way
round. That a generator and the trainer share one error model flatters the
generator's batches, which is why the model is also measured on data neither
wrote (docs/febrl.md).
"""

from __future__ import annotations

import random

# Common English and Spanish short forms, as requesters write them.
NICKNAMES = {
    "WILLIAM": "Bill",
    "ROBERT": "Bob",
    "RICHARD": "Rick",
    "JAMES": "Jim",
    "JOHN": "Jack",
    "MICHAEL": "Mike",
    "JOSEPH": "Joe",
    "THOMAS": "Tom",
    "CHRISTOPHER": "Chris",
    "DANIEL": "Dan",
    "ELIZABETH": "Liz",
    "JENNIFER": "Jenny",
    "MARGARET": "Peggy",
    "PATRICIA": "Pat",
    "JOSE": "Pepe",
    "FRANCISCO": "Paco",
    "JESUS": "Chuy",
    "GUADALUPE": "Lupe",
    "IGNACIO": "Nacho",
    "GUILLERMO": "Memo",
    "JUAN": "John",
    "ANTHONY": "Tony",
    "MATTHEW": "Matt",
    "DAVID": "Dave",
    "STEVEN": "Steve",
    "KATHERINE": "Kathy",
    "JONATHAN": "Jon",
    "SAMUEL": "Sam",
    "EDWARD": "Ed",
}


def typo(rng: random.Random, word: str) -> str:
    if len(word) < 5:
        return word
    i = rng.randint(1, len(word) - 2)
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def vary_street(rng: random.Random, street: str) -> str:
    swaps = [
        ("Street", "St"),
        ("Avenue", "Ave."),
        ("Road", "Rd"),
        ("Drive", "Dr"),
        ("North ", "N "),
        ("South ", "S "),
        ("East ", "E "),
        ("West ", "W "),
        ("Boulevard", "Blvd"),
        ("Lane", "Ln"),
    ]
    for long, short in rng.sample(swaps, len(swaps)):
        if long in street:
            return street.replace(long, short, 1)
    return street.upper()


def perturb(row: dict[str, str], rng: random.Random) -> dict[str, str]:
    """A copy of a master row as a requester might send it (each change at its own rate)."""
    out = dict(row)
    if rng.random() < 0.3 and out["first_name"].upper() in NICKNAMES:
        out["first_name"] = NICKNAMES[out["first_name"].upper()]
    if rng.random() < 0.1:
        out["last_name"] = typo(rng, out["last_name"])
    if rng.random() < 0.3:
        out["street_address"] = vary_street(rng, out["street_address"])
    if rng.random() < 0.05:
        number, _, rest = out["street_address"].partition(" ")
        out["street_address"] = f"{number} {typo(rng, rest)}"
    if rng.random() < 0.2:
        out["unit"] = ""
    for column in ("tin", "date_of_birth", "suffix", "middle_name"):
        if rng.random() < 0.5:
            out[column] = ""
    return out
