"""Reading (and validating) what a distributed Map adds: ProcessorConfig Mode/ExecutionType, Label, ItemReader,
ItemBatcher, ResultWriter and the tolerated-failure thresholds. With an ItemReader the items come from the object it
reads, and an ItemsPath is accepted but not used, as AWS does. Those fields are refused on an inline Map, and
every variant the executor does not implement (other readers, input types, ...) is refused here."""

from __future__ import annotations

import uuid
from typing import Any

from ..errors import InvalidNameError
from ..expressions.jsonata import JsonataPayload, JsonataValue, compile_expression, is_expression
from ..expressions.jsonpath.paths import JsonPath
from ..names import validate_name
from .model import DistributedConfig, ItemBatcherSpec, ItemReaderSpec, WriterConfigSpec
from .reader import MISSING, Reader

GET_OBJECT = "arn:aws:states:::s3:getObject"
PUT_OBJECT = "arn:aws:states:::s3:putObject"
MAX_ITEMS_LIMIT = 100_000_000  # AWS's ceiling for ItemReader MaxItems
MAX_BATCH_BYTES = 256 * 1024  # AWS's ceiling for MaxInputBytesPerBatch (the state payload quota)
MAX_LABEL = 40

DISTRIBUTED_ONLY = (
    "ItemReader",
    "ItemBatcher",
    "ResultWriter",
    "Label",
    "ToleratedFailureCount",
    "ToleratedFailureCountPath",
    "ToleratedFailurePercentage",
    "ToleratedFailurePercentagePath",
)
_PROCESSOR_CONFIG = {"Mode", "ExecutionType"}
_READER = {"Resource", "ReaderConfig", "Parameters"}
_READER_CONFIG = {"InputType", "CSVHeaderLocation", "CSVHeaders", "CSVDelimiter", "MaxItems", "MaxItemsPath"}
_CSV_ONLY = ("CSVHeaderLocation", "CSVHeaders", "CSVDelimiter")
_DELIMITERS = {"COMMA": ",", "PIPE": "|", "SEMICOLON": ";", "SPACE": " ", "TAB": "\t"}
_BATCHER = {
    "MaxItemsPerBatch",
    "MaxItemsPerBatchPath",
    "MaxInputBytesPerBatch",
    "MaxInputBytesPerBatchPath",
    "BatchInput",
}
_WRITER = {"Resource", "Parameters", "WriterConfig"}
_WRITER_CONFIG = {"Transformation", "OutputType"}
TRANSFORMATIONS = ("NONE", "COMPACT", "FLATTEN")
OUTPUT_TYPES = ("JSON", "JSONL")


def read_distributed(r: Reader, raw: dict[str, Any], pointer: str, label: str, name: str) -> DistributedConfig | None:
    """The DistributedConfig of a Map state, or None for an inline Map (whose distributed-only fields are
    reported as problems)."""
    mode, execution_type = _processor_config(r, raw, pointer, label)
    if mode != "DISTRIBUTED":
        for key in DISTRIBUTED_ONLY:
            if key in raw:
                r.problem(
                    f"{pointer}/{key}",
                    f"{key!r} is only allowed in a distributed Map (ItemProcessor.ProcessorConfig.Mode DISTRIBUTED)",
                    label,
                )
        return None
    r.exclusive(raw, ("ToleratedFailureCount", "ToleratedFailureCountPath"), pointer, label)
    r.exclusive(raw, ("ToleratedFailurePercentage", "ToleratedFailurePercentagePath"), pointer, label)
    count, count_value = _number(r, raw, "ToleratedFailureCount", pointer, label, minimum=0)
    percentage, percentage_value = _number(
        r, raw, "ToleratedFailurePercentage", pointer, label, integer=False, minimum=0
    )
    if percentage is not MISSING and percentage > 100:
        r.problem(f"{pointer}/ToleratedFailurePercentage", f"must be at most 100, got {percentage!r}", label)
    writer, writer_config = (
        _writer(r, raw["ResultWriter"], f"{pointer}/ResultWriter", label) if "ResultWriter" in raw else (None, None)
    )
    return DistributedConfig(
        execution_type=execution_type,
        label=_label(r, raw, pointer, label, name),
        reader=_reader(r, raw["ItemReader"], f"{pointer}/ItemReader", label) if "ItemReader" in raw else None,
        batcher=_batcher(r, raw["ItemBatcher"], f"{pointer}/ItemBatcher", label) if "ItemBatcher" in raw else None,
        writer=writer,
        writer_config=writer_config,
        tolerated_count=None if count is MISSING else count,
        tolerated_count_path=count_value or _ref(r, raw, "ToleratedFailureCountPath", pointer, label),
        tolerated_percentage=None if percentage is MISSING else float(percentage),
        tolerated_percentage_path=percentage_value or _ref(r, raw, "ToleratedFailurePercentagePath", pointer, label),
    )


def _number(
    r: Reader, obj: dict[str, Any], key: str, pointer: str, label: str, **bounds: Any
) -> tuple[Any, JsonataValue | None]:
    """A numeric field, which a JSONata Map may give as a `{% %}` expression (checked when it is evaluated,
    like a *Path field's value)."""
    value = obj.get(key)
    if r.language == "JSONata" and is_expression(value):
        try:
            return MISSING, JsonataValue(compile_expression(str(value)), key)
        except ValueError as exc:
            r.problem(f"{pointer}/{key}", str(exc), label)
            return MISSING, None
    return r.number(obj, key, pointer, label, **bounds), None


def _ref(r: Reader, obj: dict[str, Any], key: str, pointer: str, label: str) -> JsonPath | None:
    return r.path(obj, key, pointer, label, reference=True, default=None, nullable=False)


def _processor_config(r: Reader, raw: dict[str, Any], pointer: str, label: str) -> tuple[str, str]:
    key = "ItemProcessor" if "ItemProcessor" in raw else "Iterator"
    processor = raw.get(key)
    if not isinstance(processor, dict) or "ProcessorConfig" not in processor:
        return "INLINE", ""
    where = f"{pointer}/{key}/ProcessorConfig"
    config = processor["ProcessorConfig"]
    if not isinstance(config, dict):
        r.problem(where, f"ProcessorConfig must be an object, got {config!r}", label)
        return "INLINE", ""
    r.fields(config, _PROCESSOR_CONFIG, where, label)
    mode = config.get("Mode", "INLINE")
    if mode not in ("INLINE", "DISTRIBUTED"):
        r.problem(f"{where}/Mode", f"Mode must be INLINE or DISTRIBUTED, got {mode!r}", label)
        return "INLINE", ""
    execution_type = config.get("ExecutionType", MISSING)
    if mode == "INLINE":
        if execution_type is not MISSING:
            r.problem(f"{where}/ExecutionType", "ExecutionType is only allowed with Mode DISTRIBUTED", label)
        return mode, ""
    if execution_type not in ("STANDARD", "EXPRESS"):
        got = "nothing" if execution_type is MISSING else repr(execution_type)
        r.problem(
            f"{where}/ExecutionType", f"a distributed Map needs ExecutionType STANDARD or EXPRESS, got {got}", label
        )
        execution_type = "STANDARD"
    return mode, execution_type


def _label(r: Reader, raw: dict[str, Any], pointer: str, label: str, name: str) -> str:
    given = raw.get("Label", MISSING)
    if given is MISSING:
        try:  # readable ARNs when the state name is a valid label; otherwise a stable generated one
            return validate_name(name, "Label") if len(name) <= MAX_LABEL else str(uuid.uuid5(uuid.NAMESPACE_URL, name))
        except InvalidNameError:
            return str(uuid.uuid5(uuid.NAMESPACE_URL, name))
    problem = None
    if not isinstance(given, str) or not 1 <= len(given) <= MAX_LABEL:
        problem = f"Label must be a string of 1-{MAX_LABEL} characters, got {given!r}"
    else:
        try:
            validate_name(given, "Label")
        except InvalidNameError as exc:
            problem = str(exc)
    if problem:
        r.problem(f"{pointer}/Label", problem, label)
        return "invalid"
    return str(given)


def _object(r: Reader, value: Any, pointer: str, label: str, what: str, allowed: set[str]) -> dict[str, Any] | None:
    if not isinstance(value, dict):
        r.problem(pointer, f"{what} must be a JSON object, got {value!r}", label)
        return None
    r.fields(value, allowed, pointer, label)
    return value


def _resource(r: Reader, obj: dict[str, Any], pointer: str, label: str, what: str, expected: str) -> None:
    resource = obj.get("Resource", MISSING)
    if resource != expected:
        got = "nothing" if resource is MISSING else repr(resource)
        r.problem(
            f"{pointer}/Resource", f"{what} Resource must be {expected!r} (the only one supported), got {got}", label
        )


def _parameters(
    r: Reader, obj: dict[str, Any], pointer: str, label: str, what: str, required: set[str], allowed: set[str]
) -> Any:
    field = "Arguments" if r.language == "JSONata" else "Parameters"  # JSONata names them Arguments
    params = obj.get(field)
    if r.language == "JSONata" and is_expression(params):
        template = r.jsonata(obj, field, pointer, label)
        return JsonataPayload(template, f"{what}.{field}") if template is not None else None
    if not isinstance(params, dict):
        r.problem(f"{pointer}/{field}", f"{what} needs {field} with {sorted(required)}", label)
        return None
    names = {key.removesuffix(".$") for key in params}
    for key in params:
        if key.removesuffix(".$") not in allowed:
            r.problem(
                f"{pointer}/{field}/{key}",
                f"{what} parameter {key!r} is not supported (supported: {sorted(allowed)})",
                label,
            )
    for key in sorted(required - names):
        r.problem(f"{pointer}/{field}", f"{what} needs the parameter {key!r}", label)
    if r.language == "JSONata":
        template = r.jsonata(obj, field, pointer, label)
        return JsonataPayload(template, f"{what}.{field}") if template is not None else None
    return r.template(obj, "Parameters", pointer, label)


def _reader(r: Reader, raw: Any, pointer: str, label: str) -> ItemReaderSpec | None:
    obj = _object(r, raw, pointer, label, "ItemReader", _languaged(r, _READER))
    if obj is None:
        return None
    _resource(r, obj, pointer, label, "ItemReader", GET_OBJECT)
    parameters = _parameters(r, obj, pointer, label, "ItemReader", {"Bucket", "Key"}, {"Bucket", "Key"})
    where = f"{pointer}/ReaderConfig"
    config = _object(
        r, obj.get("ReaderConfig"), where, label, "ReaderConfig (with an InputType)", _languaged(r, _READER_CONFIG)
    )
    if config is None:
        return None
    input_type = config.get("InputType")
    if input_type not in ("JSON", "JSONL", "CSV"):
        r.problem(
            f"{where}/InputType",
            f"InputType must be JSON, JSONL or CSV (MANIFEST and PARQUET are not supported), got {input_type!r}",
            label,
        )
        return None
    if input_type != "CSV":
        for key in _CSV_ONLY:
            if key in config:
                r.problem(f"{where}/{key}", f"{key} is only allowed with InputType CSV", label)
    location = config.get("CSVHeaderLocation", "FIRST_ROW")
    headers = config.get("CSVHeaders", MISSING)
    if location not in ("FIRST_ROW", "GIVEN"):
        r.problem(
            f"{where}/CSVHeaderLocation", f"CSVHeaderLocation must be FIRST_ROW or GIVEN, got {location!r}", label
        )
    elif location == "GIVEN" and (
        not isinstance(headers, list) or not headers or not all(isinstance(h, str) for h in headers)
    ):
        r.problem(
            f"{where}/CSVHeaders",
            f"CSVHeaderLocation GIVEN needs CSVHeaders, a non-empty array of strings, "
            f"got {None if headers is MISSING else headers!r}",
            label,
        )
    elif location == "FIRST_ROW" and headers is not MISSING:
        r.problem(f"{where}/CSVHeaders", "CSVHeaders is only allowed with CSVHeaderLocation GIVEN", label)
    delimiter = config.get("CSVDelimiter", "COMMA")
    if delimiter not in _DELIMITERS:
        r.problem(
            f"{where}/CSVDelimiter", f"CSVDelimiter must be one of {sorted(_DELIMITERS)}, got {delimiter!r}", label
        )
    r.exclusive(config, ("MaxItems", "MaxItemsPath"), where, label)
    max_items, max_items_value = _number(r, config, "MaxItems", where, label, minimum=0)
    if max_items is not MISSING and max_items > MAX_ITEMS_LIMIT:
        r.problem(f"{where}/MaxItems", f"MaxItems must be at most {MAX_ITEMS_LIMIT}, got {max_items}", label)
    return ItemReaderSpec(
        parameters=parameters,
        input_type=input_type,
        csv_header_location=location,
        csv_headers=tuple(headers) if location == "GIVEN" and isinstance(headers, list) else (),
        csv_delimiter=_DELIMITERS.get(delimiter, ","),
        max_items=0 if max_items is MISSING else max_items,
        max_items_path=max_items_value or _ref(r, config, "MaxItemsPath", where, label),
    )


def _batcher(r: Reader, raw: Any, pointer: str, label: str) -> ItemBatcherSpec | None:
    obj = _object(r, raw, pointer, label, "ItemBatcher", _languaged(r, _BATCHER))
    if obj is None:
        return None
    limits = ("MaxItemsPerBatch", "MaxItemsPerBatchPath", "MaxInputBytesPerBatch", "MaxInputBytesPerBatchPath")
    if not any(key in obj for key in limits):
        r.problem(pointer, "ItemBatcher needs MaxItemsPerBatch(Path) or MaxInputBytesPerBatch(Path)", label)
    r.exclusive(obj, ("MaxItemsPerBatch", "MaxItemsPerBatchPath"), pointer, label)
    r.exclusive(obj, ("MaxInputBytesPerBatch", "MaxInputBytesPerBatchPath"), pointer, label)
    items, items_value = _number(r, obj, "MaxItemsPerBatch", pointer, label, minimum=0, exclusive=True)
    size, size_value = _number(r, obj, "MaxInputBytesPerBatch", pointer, label, minimum=0, exclusive=True)
    if size is not MISSING and size > MAX_BATCH_BYTES:
        r.problem(f"{pointer}/MaxInputBytesPerBatch", f"must be at most {MAX_BATCH_BYTES} (256 KiB), got {size}", label)
    return ItemBatcherSpec(
        max_items=0 if items is MISSING else items,
        max_items_path=items_value or _ref(r, obj, "MaxItemsPerBatchPath", pointer, label),
        max_bytes=0 if size is MISSING else size,
        max_bytes_path=size_value or _ref(r, obj, "MaxInputBytesPerBatchPath", pointer, label),
        batch_input=_batch_input(r, obj, pointer, label),
    )


def _writer(r: Reader, raw: Any, pointer: str, label: str) -> tuple[Any, WriterConfigSpec | None]:
    """The export target (the Parameters/Arguments template, None without Resource and Parameters) and the
    WriterConfig. The guide's "Required field combinations": WriterConfig alone (formatted output, no export),
    Resource and Parameters (export), or all three (formatted and exported); never empty."""
    obj = _object(r, raw, pointer, label, "ResultWriter", _languaged(r, _WRITER))
    if obj is None:
        return None, None
    field = "Arguments" if r.language == "JSONata" else "Parameters"
    config = _writer_config(r, obj["WriterConfig"], f"{pointer}/WriterConfig", label) if "WriterConfig" in obj else None
    present = [key for key in ("Resource", field) if key in obj]
    if not present:
        if "WriterConfig" not in obj:
            r.problem(
                pointer, f"ResultWriter cannot be empty: give WriterConfig, Resource and {field}, or all three", label
            )
        return None, config
    if len(present) == 1:
        missing = "Resource" if present == [field] else field
        r.problem(
            f"{pointer}/{missing}",
            f"ResultWriter {present[0]} needs {missing} too (the combinations are WriterConfig alone, "
            f"Resource and {field}, or all three)",
            label,
        )
        return None, config
    _resource(r, obj, pointer, label, "ResultWriter", PUT_OBJECT)
    return _parameters(r, obj, pointer, label, "ResultWriter", {"Bucket"}, {"Bucket", "Prefix"}), config


def _writer_config(r: Reader, raw: Any, pointer: str, label: str) -> WriterConfigSpec | None:
    """Transformation and OutputType; one left out takes the default AWS gives without a WriterConfig
    ("" here, resolved when the results are written: NONE when exporting, COMPACT otherwise; JSON)."""
    obj = _object(r, raw, pointer, label, "WriterConfig", _WRITER_CONFIG)
    if obj is None:
        return None
    transformation, output_type = obj.get("Transformation", ""), obj.get("OutputType", "JSON")
    if "Transformation" in obj and transformation not in TRANSFORMATIONS:
        r.problem(
            f"{pointer}/Transformation",
            f"Transformation must be one of {', '.join(TRANSFORMATIONS)}, got {transformation!r}",
            label,
        )
    if output_type not in OUTPUT_TYPES:
        r.problem(
            f"{pointer}/OutputType", f"OutputType must be one of {', '.join(OUTPUT_TYPES)}, got {output_type!r}", label
        )
    return WriterConfigSpec(transformation=str(transformation), output_type=str(output_type))


def _batch_input(r: Reader, obj: dict[str, Any], pointer: str, label: str) -> Any:
    if r.language == "JSONata":
        template = r.jsonata(obj, "BatchInput", pointer, label)
        return JsonataPayload(template, "BatchInput") if template is not None else None
    return r.template(obj, "BatchInput", pointer, label)


def _languaged(r: Reader, allowed: set[str]) -> set[str]:
    """A reader/writer/batcher's fields in the state's query language: JSONata takes Arguments for
    Parameters and `{% %}` values for the *Path fields."""
    if r.language != "JSONata":
        return allowed
    fields = {key for key in allowed if not key.endswith("Path")}
    return (fields - {"Parameters"}) | ({"Arguments"} if "Parameters" in allowed else set())
