"""The change history as people read it: one sentence per change, in the reader's language.

A ChangeEvent keeps each change as {"field", "label", "old", "new"}. The label and the values
are put into words here, when the history is read, not when it was written:
- the label is the field's verbose name, translated now (the stored label only for a field
  the model no longer has);
- a choice is shown by its label in the reader's language, whether the event kept its key
  (as services write now) or a label in the writer's language (as older events did);
- dates and times kept as ISO text are shown in local time (Europe/Helsinki), localized;
- "yes" / "no" are translated.
"""

from __future__ import annotations

import datetime as dt
import functools
import json

from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import formats, timezone, translation
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..models import ChangeEvent, ChangeEventKind

# The model whose fields an event's changes name, by the event's kind.
_KIND_MODELS = {
    ChangeEventKind.CLIENT_CREATED: "clients.Client",
    ChangeEventKind.CLIENT_CHANGED: "clients.Client",
    ChangeEventKind.STATUS_CHANGED: "clients.Client",
    ChangeEventKind.CLIENT_MOVED: "clients.Client",
    ChangeEventKind.INTERVIEW_RECORDED: "interviews.Interview",
    ChangeEventKind.INTERVIEW_CHANGED: "interviews.Interview",
    ChangeEventKind.APPOINTMENT_BOOKED: "interviews.Appointment",
    ChangeEventKind.APPOINTMENT_MOVED: "interviews.Appointment",
    ChangeEventKind.APPOINTMENT_CANCELLED: "interviews.Appointment",
    ChangeEventKind.PLAN_REVISED: "plans.PlanVersion",
}
# Labels of what is not a model field (or whose verbose name says too little).
_LABELS = {
    ("plans.PlanVersion", "number"): gettext_lazy("plan version"),
    ("plans.PlanVersion", "actions"): gettext_lazy("agreed actions"),
}
_YES_NO = {"yes": gettext_lazy("yes"), "no": gettext_lazy("no")}


def _field(model_label: str | None, name: str) -> models.Field | None:
    if model_label is None:
        return None
    try:
        field = apps.get_model(model_label)._meta.get_field(name)
    except (LookupError, FieldDoesNotExist):
        return None
    return field if isinstance(field, models.Field) else None  # not a reverse relation


@functools.lru_cache(maxsize=64)
def _choice_keys(model_label: str, name: str) -> dict[str, str]:
    """{label in any of the languages: key} of a choice field, for events that kept labels."""
    field = _field(model_label, name)
    keys: dict[str, str] = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            for key, label in field.flatchoices:
                keys.setdefault(str(label), key)
    return keys


def _plan_actions(text: str) -> str:
    """A plan's actions kept as a JSON list of keys, worded: "Study: Welding course
    (Planned, 1.3.2027)"; older events kept them as text, shown as they are."""
    try:
        kept = json.loads(text)
    except ValueError:
        return text
    action = apps.get_model("plans.PlanAction")
    words = []
    for a in kept:
        details = [_value(action._meta.get_field("status"), "plans.PlanAction", a.get("status"))]
        if a.get("outcome"):
            details.append(
                _value(action._meta.get_field("outcome"), "plans.PlanAction", a["outcome"])
            )
        if a.get("due_date"):
            details.append(
                _value(action._meta.get_field("due_date"), "plans.PlanAction", a["due_date"])
            )
        kind = _value(action._meta.get_field("kind"), "plans.PlanAction", a.get("kind"))
        words.append(f"{kind}: {a.get('description', '')} ({', '.join(details)})")
    return "; ".join(words)


def _value(field: models.Field | None, model_label: str | None, value) -> str:
    """A kept value as the reader reads it."""
    if value in (None, ""):
        return ""
    text = str(value)
    if model_label == "plans.PlanVersion" and field is None and text.startswith("["):
        return _plan_actions(text)
    if field is not None and field.choices:
        choices = dict(field.flatchoices)
        key = text if text in choices else _choice_keys(model_label, field.name).get(text)
        return str(choices[key]) if key in choices else text
    if isinstance(field, models.DateTimeField):
        try:
            moment = dt.datetime.fromisoformat(text)
        except ValueError:
            return text
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")
    if isinstance(field, models.DateField):
        try:
            return formats.date_format(dt.date.fromisoformat(text), "SHORT_DATE_FORMAT")
        except ValueError:
            return text
    if text in _YES_NO:
        return str(_YES_NO[text])
    return text


def change_sentence(who: str, model_label: str | None, change: dict) -> SafeString:
    """One change in words: "Tiina changed goal from Rehabilitation to Work"."""
    name = change.get("field", "")
    field = _field(model_label, name)
    label = _LABELS.get((model_label, name))
    if label is None:
        label = field.verbose_name if field is not None else change.get("label") or name
    old = _value(field, model_label, change.get("old"))
    new = _value(field, model_label, change.get("new"))
    words = {"who": who, "field": str(label), "old": old, "new": new}
    if old and new:
        template = _("%(who)s changed %(field)s from %(old)s to %(new)s")
    elif new:
        template = _("%(who)s set %(field)s to %(new)s")
    else:
        template = _("%(who)s cleared %(field)s (was %(old)s)")
    return mark_safe(escape(template) % {k: escape(v) for k, v in words.items()})


def event_lines(event: ChangeEvent) -> list[SafeString]:
    """The event's changes, one sentence each (the event's name when it kept no change)."""
    user = event.changed_by
    who = (user.get_full_name() or user.username) if user is not None else _("The system")
    model_label = _KIND_MODELS.get(event.kind)
    lines = [change_sentence(who, model_label, change) for change in event.changes or []]
    if not lines:
        lines = [
            mark_safe(
                escape(_("%(who)s: %(what)s"))
                % {"who": escape(who), "what": escape(event.get_kind_display())}
            )
        ]
    return lines
