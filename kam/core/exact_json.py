"""The JSON serialisation of ``kam backup``: Django's, with every microsecond of a time kept.

Django's JSON encoder follows ECMA-262 and cuts date-times and times to milliseconds, so a
backup restored the moments of the web database 0.000–0.999 ms earlier than they were
(``kam/core/tests/test_backup.py`` caught it when a moment fell within a millisecond of a
second). Registered as the serialisation format ``exact_json`` (``SERIALIZATION_MODULES``);
its output is ordinary JSON that Django's ``json`` deserialiser reads back exactly.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.serializers.json import Deserializer as JsonDeserializer
from django.core.serializers.json import DjangoJSONEncoder
from django.core.serializers.json import Serializer as JsonSerializer

__all__ = ["Deserializer", "ExactJSONEncoder", "Serializer"]

Deserializer = JsonDeserializer


class ExactJSONEncoder(DjangoJSONEncoder):
    """``DjangoJSONEncoder`` with date-times and times to the microsecond."""

    def default(self, o: Any) -> Any:
        if isinstance(o, dt.datetime):
            text = o.isoformat()
            return text.removesuffix("+00:00") + "Z" if text.endswith("+00:00") else text
        if isinstance(o, dt.time) and o.utcoffset() is None:
            return o.isoformat()
        return super().default(o)


class Serializer(JsonSerializer):
    """Django's JSON serialiser writing with :class:`ExactJSONEncoder`."""

    def _init_options(self) -> None:
        self.options.setdefault("cls", ExactJSONEncoder)
        super()._init_options()  # type: ignore[misc]  # django-stubs omit this hook
