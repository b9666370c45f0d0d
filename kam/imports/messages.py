"""Problems found by the importer, in the user's language: ``file:row:column: reason``."""

from __future__ import annotations

from django.utils.translation import gettext as _

from kam_engine.ingest import Problem, ProblemCode


def _reason(problem: Problem) -> str:
    params = {"value": problem.value or "", "column": problem.column or "", **problem.params}
    code = problem.code
    if code is ProblemCode.FILE_NOT_FOUND:
        return _("file not found")
    if code is ProblemCode.UNSUPPORTED_FORMAT:
        return _("unsupported file type %(suffix)s (use .csv, .txt, .tsv, .xlsx or .parquet)") % params
    if code is ProblemCode.UNREADABLE:
        return _("the file cannot be read: %(reason)s") % params
    if code is ProblemCode.EMPTY_FILE:
        return _("the file is empty: it needs a header row")
    if code is ProblemCode.BAD_ENCODING:
        return (
            _('the file is not valid %(encoding)s text; set encoding (e.g. "latin-1") in the mapping\'s [source]')
            % params
        )
    if code is ProblemCode.DUPLICATE_COLUMN:
        return _("the column %(column)s appears twice in the header") % params
    if code is ProblemCode.MISSING_COLUMN:
        if "field" in params:
            return _("column not found in the file (needed for %(field)s)") % params
        return _("column not found in the file")
    if code is ProblemCode.BAD_EXPRESSION:
        return _("an expression of the mapping cannot be evaluated: %(reason)s") % params
    if code is ProblemCode.REQUIRED:
        return _("a value is required")
    if code is ProblemCode.NOT_A_NUMBER:
        return _("%(value)r is not a number (check decimal and thousands in the mapping)") % params
    if code is ProblemCode.NOT_AN_INTEGER:
        return _("%(value)r is not a whole number") % params
    if code is ProblemCode.NOT_A_DATE:
        return _("%(value)r is not a date (ISO YYYY-MM-DD, or set date_format in the mapping)") % params
    if code is ProblemCode.NOT_A_DATETIME:
        return _("%(value)r is not a date and time (YYYY-MM-DD HH:MM, or set datetime_format in the mapping)") % params
    if code is ProblemCode.NOT_A_BOOLEAN:
        return _("%(value)r is not yes/no (use true/false, yes/no, sí/no or 1/0)") % params
    if code is ProblemCode.NOT_A_CHOICE:
        return _("%(value)r is not one of: %(choices)s") % {**params, "choices": params.get("choices", "")}
    if code is ProblemCode.OUT_OF_RANGE:
        if not params.get("maximum"):
            return _("%(value)s is below the minimum %(minimum)s") % params
        if not params.get("minimum"):
            return _("%(value)s is above the maximum %(maximum)s") % params
        return _("%(value)s is outside the allowed range %(minimum)s to %(maximum)s") % params
    if code is ProblemCode.DUPLICATE_KEY:
        return _("%(value)s appears again: it was first on row %(first_row)s") % params
    if code is ProblemCode.UNKNOWN_REFERENCE:
        return _("unknown %(reference)s %(value)r") % {**params, "reference": _reference_label(params["reference"])}
    if code is ProblemCode.UNMATCHED_JOIN:
        return _("no row of %(file)s has %(column)s = %(value)r") % params
    if code is ProblemCode.DUPLICATE_JOIN_KEY:
        return _("%(value)r appears more than once in this column of a joined file") % params
    if code is ProblemCode.NOT_AN_EMAIL:
        return _("%(value)r is not an e-mail address") % params
    if code is ProblemCode.NUL_CHARACTER:
        return _("%(value)r contains a NUL character, which cannot be stored") % params
    if code is ProblemCode.TOO_LONG:
        return _("the value has %(length)s characters; at most %(maximum)s are allowed") % params
    if code is ProblemCode.HIERARCHY_LOOP:
        return _("%(value)r makes the hierarchy loop back to this row") % params
    return _("invalid value: %(reason)s") % {"reason": params.get("reason", code)}


def _reference_label(reference: str) -> str:
    labels = {
        "account": _("account code"),
        "user": _("user name"),
        "contact": _("contact code"),
        "product_line": _("product line code"),
    }
    return labels.get(reference, reference)


def describe_problem(problem: Problem) -> str:
    """Format a problem as ``file:row:column: reason`` (shorter when it concerns the whole file)."""
    place = [problem.file]
    if problem.row is not None:
        place.append(str(problem.row))
    if problem.column:
        place.append(problem.column)
    return f"{':'.join(place)}: {_reason(problem)}"
