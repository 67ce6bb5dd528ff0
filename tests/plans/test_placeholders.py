"""Statement template placeholders: validated when saved, rendered for incidents."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from plans.forms import StatementTemplateFormSet
from plans.placeholders import (
    placeholders_in,
    render_placeholders,
    unknown_placeholders,
    validate_placeholders,
)


def test_known_placeholders_are_accepted():
    validate_placeholders("{client} is aware of {incident} as of {date} {time}.")


def test_an_unknown_placeholder_is_an_error_that_names_it():
    with pytest.raises(ValidationError) as info:
        validate_placeholders("{clinet} apologises for {incident} and {oops}.")
    message = info.value.messages[0]
    assert "{clinet}" in message
    assert "{oops}" in message
    assert "{client}" in message  # the known ones are listed as the fix


def test_empty_braces_are_an_error_and_double_braces_are_literal():
    assert unknown_placeholders("Hello {}") == [""]
    assert placeholders_in("Use {{braces}} for {client}") == ["client"]
    validate_placeholders("Use {{braces}} for {client}")


def test_rendering_fills_known_values_and_shows_missing_ones():
    text = render_placeholders(
        "{client}: we are looking into {incident}. {{not a placeholder}} Next update {next_update}.",
        {"client": "Acme Foods", "incident": "the recall"},
    )
    assert text == (
        "Acme Foods: we are looking into the recall. {not a placeholder} Next update [next_update]."
    )


def test_the_template_form_refuses_an_unknown_placeholder_when_saved():
    data = {
        "templates-TOTAL_FORMS": "1",
        "templates-INITIAL_FORMS": "0",
        "templates-0-name": "Holding statement",
        "templates-0-body": "Dear {custommer}, {client} is sorry.",
    }
    formset = StatementTemplateFormSet(data, prefix="templates")
    assert not formset.is_valid()
    assert "Unknown placeholder {custommer}" in str(formset.errors)
