"""Reading, validating and staging users' files for import."""

from kam_engine.ingest.mapping import ColumnRule, Join, Mapping, MappingError, SourceOptions, load_mapping
from kam_engine.ingest.problems import Problem, ProblemCode, SourceError
from kam_engine.ingest.readers import SourceTable, read_source
from kam_engine.ingest.session import AppendResult, ImportSession, ValidationReport
from kam_engine.specs import FieldSpec, FieldType, KindSpec

__all__ = [
    "AppendResult",
    "ColumnRule",
    "FieldSpec",
    "FieldType",
    "ImportSession",
    "Join",
    "KindSpec",
    "Mapping",
    "MappingError",
    "Problem",
    "ProblemCode",
    "SourceError",
    "SourceOptions",
    "SourceTable",
    "ValidationReport",
    "load_mapping",
    "read_source",
]
