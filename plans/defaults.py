"""What a new crisis plan starts with: the usual crisis-team roles (guide II.A) and a
first idea of the four severity levels, for the team to adapt."""

from __future__ import annotations

from typing import Any

SUGGESTED_ROLES = [
    "Crisis lead",
    "Spokesperson",
    "Social media",
    "Legal",
    "Customer service",
    "Operations",
]
DEFAULT_ESCALATION = [
    (1, "Isolated complaints, no amplification.", "Social media"),
    (2, "A complaint gaining traction or picked up by an influencer.", "Crisis lead"),
    (3, "Trending, or in the media; customers or staff affected.", "Whole crisis team"),
    (
        4,
        "Safety, legal or national-media exposure; business at risk.",
        "Crisis team and executives",
    ),
]


def first_draft_content() -> dict[str, Any]:
    return {
        "team_roles": [
            {"role": role, "person": "", "deputy": "", "responsibilities": ""}
            for role in SUGGESTED_ROLES
        ],
        "escalation_levels": [
            {"severity": n, "criteria": criteria, "notify": notify}
            for n, criteria, notify in DEFAULT_ESCALATION
        ],
    }
