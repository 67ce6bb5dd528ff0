"""The war room's crisis-team form: who holds a role. It only parses; the service
(`incident_assign_role`) decides and refuses."""

from __future__ import annotations

from typing import Any

from django import forms

from clients.forms import PortalForm
from incidents.incident_services import NOT_ON_TEAM
from portal.models import User


class RoleAssignForm(PortalForm):
    """`person` empty clears the role. The choices are the people who work on the client
    (`role_candidates`), so another agency's user, or a colleague who cannot see the
    client, is refused with a clear message."""

    person = forms.ModelChoiceField(
        queryset=User.objects.none(),
        to_field_name="public_id",
        required=False,
        empty_label="— Unassigned —",
        label="Held by",
    )

    def __init__(self, *args: Any, candidates: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["person"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = User.objects.filter(pk__in=[u.pk for u in candidates])
        field.error_messages["invalid_choice"] = NOT_ON_TEAM
