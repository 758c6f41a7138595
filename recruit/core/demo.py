"""Demo data for `seed-demo`: people of every role. Later areas add vacancies."""

from __future__ import annotations

from recruit.people.operations import create_user, find_user

DEMO_PEOPLE = [
    {"username": "admin", "display_name": "Ada Admin", "role": "admin", "password": "demo-admin"},
    {"username": "hana", "display_name": "Hana Hughes", "role": "hr", "password": "demo-hr-pw"},
    {
        "username": "lee",
        "display_name": "Lee Lewis",
        "role": "panel_lead",
        "password": "demo-lead-pw",
        "pin": "2468",
    },
    {
        "username": "sam",
        "display_name": "Sam Shah",
        "role": "staff",
        "password": "demo-staff-pw",
        "pin": "1357",
    },
    {"username": "jo", "display_name": "Jo Jones", "role": "person_supported", "pin": "1111"},
    {"username": "amir", "display_name": "Amir Ali", "role": "person_supported", "pin": "2222"},
    {"username": "rose", "display_name": "Rose Reid", "role": "person_supported", "pin": "3333"},
]


def seed() -> bool:
    """Add the demo people that are missing; True if anything was added."""
    added = False
    for person in DEMO_PEOPLE:
        if find_user(person["username"]) is None:
            create_user(None, **person)
            added = True
    return added
