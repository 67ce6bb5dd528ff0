"""Views of the plans app: the crisis plan and its revisions (plan.py), the risk register
(risks.py), drills and training (drills.py) and the client portal's read-only pages
(portal.py)."""
