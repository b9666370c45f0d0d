"""Form widgets that render long choice lists in Python instead of one template per option.

Django renders every option of a select, and every box of a checkbox list, through its own
template; with an account's 200 contacts that alone took 80–300 ms of a page. These widgets
write the same HTML directly (see "Account workspace pages on PostgreSQL" in
docs/performance.md).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe


class QuickSelect(forms.Select):
    """A single-choice select with the same HTML as ``forms.Select`` (no option groups)."""

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        selected = {str(item) for item in self.format_value(value)}
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (str(option), mark_safe(" selected") if str(option) in selected else "", label)
                for option, label in self.choices
            ),
        )
        return format_html(
            '<select name="{}"{}>{}</select>', name, flatatt(self.build_attrs(self.attrs, attrs)), options
        )


class QuickCheckboxSelectMultiple(forms.CheckboxSelectMultiple):
    """A list of checkboxes with the same HTML as ``forms.CheckboxSelectMultiple`` (no option groups)."""

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        selected = {str(item) for item in self.format_value(value)}
        final = self.build_attrs(self.attrs, attrs)
        base_id = final.pop("id", None)
        boxes = format_html_join(
            "",
            '<div><label{}><input type="checkbox" name="{}" value="{}"{}{}> {}</label></div>',
            (
                (
                    format_html(' for="{}_{}"', base_id, index) if base_id else "",
                    name,
                    str(option),
                    format_html(' id="{}_{}"', base_id, index) if base_id else "",
                    mark_safe(" checked") if str(option) in selected else "",
                    label,
                )
                for index, (option, label) in enumerate(self.choices)
            ),
        )
        return format_html(
            "<div{}{}>{}</div>", format_html(' id="{}"', base_id) if base_id else "", flatatt(final), boxes
        )
