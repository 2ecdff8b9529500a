"""Graded test cells as probe and judge: the verdict never lives where student code runs.

A graded test cell defines up to three functions and ends with `run_test(...)`:

    def inputs(given, rng):   # the test's inputs; rng is seeded per grading run
    def probe(given, seen):   # calls the student's functions, records plain data on `seen`
    def judge(given, seen):   # expected values, tolerances, messages: raises CheckFailed

In a student's notebook `run_test` runs all three in the kernel. When grading, the trusted
grader (course_utils.grading.execute) runs `inputs` and `judge` in its own process, where no
student code ever ran, and sends only the cell's imports and `probe` to the student's kernel.
Between the two, values travel as plain data (numbers, strings, lists, dicts and arrays as
dtype + shape + bytes) through `encode` / `decode`; the student's notebook uses the same round
trip, so a test behaves the same in both places. Helper classes and functions belong inside
the function that uses them.
"""

from __future__ import annotations

import ast
import base64
import contextlib
import hashlib
import io
import json
import math
import sys
from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np

OBSERVATION_MIME = "application/vnd.course.observation"
NATIVE_SEED = 0  # the seed of `rng` in a student's own notebook
MAX_TEXT = 64 * 2**20  # bytes of encoded inputs or observations
MAX_DEPTH = 8
MAX_ITEMS = 200_000
DTYPES = ("bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64")
TEST_FUNCTIONS = ("inputs", "probe", "judge")


class Record(SimpleNamespace):
    """The `given` and `seen` of a test: named values, set as attributes."""

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        raise AttributeError(f"the test recorded no value named {name!r}")


class Opaque:
    """A value the probe recorded that is not plain data; only its description travels."""

    def __init__(self, description: str):
        self.description = description

    def __repr__(self) -> str:
        return f"<not plain data: {self.description}>"


class ObservationError(ValueError):
    """Encoded data that is malformed, too large or of a type that never travels."""


# --- encoding: runs on both sides -------------------------------------------------------------


def _describe(value) -> str:
    kind = type(value)
    return (
        kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"
    )


def _encode_array(array: np.ndarray, kind: str) -> dict:
    if array.dtype.name not in DTYPES:
        return {"__opaque__": f"{kind} array of dtype {array.dtype.name}"}
    data = base64.b64encode(array.tobytes(order="C")).decode("ascii")
    return {
        "__array__": {
            "kind": kind,
            "dtype": array.dtype.name,
            "shape": list(array.shape),
            "data": data,
        }
    }


def _plain(value, depth: int = 0):
    """value as JSON-able data; anything else becomes an opaque description."""
    if depth > MAX_DEPTH:
        return {"__opaque__": "data nested too deeply"}
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value if isinstance(value, int) else float(value)
    if isinstance(value, (np.bool_, np.integer, np.floating)):
        return value.item()
    if isinstance(value, np.ndarray):
        return _encode_array(value, "numpy")
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(value, torch.Tensor):
        tensor = value.detach().cpu()
        if tensor.dtype == torch.bfloat16:
            tensor = tensor.float()
        if tensor.is_complex():
            return {"__opaque__": f"complex tensor of shape {tuple(tensor.shape)}"}
        return _encode_array(tensor.numpy(), "torch")
    if isinstance(value, (list, tuple)):
        return [_plain(v, depth + 1) for v in value]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {"__dict__": {k: _plain(v, depth + 1) for k, v in value.items()}}
    return {"__opaque__": _describe(value)}


def encode(record: Record) -> str:
    """A Record as JSON text: every attribute as plain data."""
    return json.dumps({name: _plain(value) for name, value in vars(record).items()})


def _decode_array(spec) -> object:
    if not isinstance(spec, dict) or set(spec) != {"kind", "dtype", "shape", "data"}:
        raise ObservationError("malformed array")
    kind, dtype, shape, data = spec["kind"], spec["dtype"], spec["shape"], spec["data"]
    if kind not in ("numpy", "torch") or dtype not in DTYPES or not isinstance(data, str):
        raise ObservationError(f"array of kind {kind!r} and dtype {dtype!r} is not allowed")
    if (
        not isinstance(shape, list)
        or len(shape) > 8
        or not all(type(d) is int and d >= 0 for d in shape)
    ):
        raise ObservationError("malformed array shape")
    raw = base64.b64decode(data.encode("ascii"), validate=True)
    itemsize = np.dtype(dtype).itemsize
    if len(raw) != math.prod(shape) * itemsize:
        raise ObservationError(
            f"array of shape {shape} holds {len(raw)} bytes, expected {math.prod(shape) * itemsize}"
        )
    array = np.frombuffer(raw, dtype=dtype).reshape(shape).copy()
    if kind == "numpy":
        return array
    import torch

    return torch.from_numpy(array)


def _from_plain(value, depth: int, budget: list[int]):
    budget[0] -= 1
    if budget[0] < 0 or depth > MAX_DEPTH + 1:
        raise ObservationError("too many or too deeply nested values")
    if value is None or type(value) in (bool, int, float, str):
        return value
    if type(value) is list:
        return [_from_plain(v, depth + 1, budget) for v in value]
    if type(value) is dict and len(value) == 1:
        ((tag, inner),) = value.items()
        if tag == "__array__":
            return _decode_array(inner)
        if tag == "__opaque__" and type(inner) is str:
            return Opaque(inner[:200])
        if tag == "__dict__" and type(inner) is dict:
            return {str(k): _from_plain(v, depth + 1, budget) for k, v in inner.items()}
    raise ObservationError("malformed value")


def decode(text: str) -> Record:
    """The Record that `encode` wrote; refuses anything but plain data (never pickle or code)."""
    if not isinstance(text, str) or len(text) > MAX_TEXT:
        raise ObservationError("observations missing or larger than the limit")
    try:
        top = json.loads(text)
    except ValueError as error:
        raise ObservationError(f"observations are not valid JSON ({error})") from None
    if type(top) is not dict or not all(
        type(k) is str and k.isidentifier() and k[0] != "_" for k in top
    ):
        raise ObservationError("observations must be named values")
    budget = [MAX_ITEMS]
    return Record(**{name: _from_plain(value, 1, budget) for name, value in top.items()})


# --- a test cell's parts ------------------------------------------------------------------------


@dataclass(frozen=True)
class TestParts:
    """The source of a test cell, split by where each part runs."""

    imports: str  # runs on both sides
    trusted: str  # imports, `inputs` and `judge`: the grader's process
    probe: str  # imports and `probe`: the student's kernel


def split_test(source: str) -> TestParts:
    """Split a graded test cell; ValueError if it holds anything but the allowed statements."""
    tree = ast.parse(source)
    imports, defs = [], {}
    for index, node in enumerate(tree.body):
        text = ast.get_source_segment(source, node)
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            imports.append(text)
        elif (
            isinstance(node, ast.FunctionDef)
            and node.name in TEST_FUNCTIONS
            and not node.decorator_list
        ):
            defs[node.name] = text
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and index == 0:
            continue  # the docstring
        elif _is_run_test(node):
            continue
        else:
            raise ValueError(
                f"line {node.lineno}: a graded test cell holds only imports, the functions"
                f" {', '.join(TEST_FUNCTIONS)} and run_test(...); put helpers inside the function that uses them"
            )
    for name in ("probe", "judge"):
        if name not in defs:
            raise ValueError(f"a graded test cell must define {name}(given, seen)")
    shared = "\n".join(imports)
    trusted = "\n\n".join([shared, defs.get("inputs", ""), defs["judge"]])
    return TestParts(shared, trusted, "\n\n".join([shared, defs["probe"]]))


def _is_run_test(node) -> bool:
    call = node.value if isinstance(node, ast.Expr) else None
    return (
        isinstance(call, ast.Call)
        and isinstance(call.func, ast.Name)
        and call.func.id == "run_test"
    )


def test_rng(seed: int, grade_id: str = "") -> np.random.Generator:
    """The `rng` a test's inputs are drawn from: one stream per grading run and test cell."""
    digest = hashlib.sha256(f"{seed}:{grade_id}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


def make_inputs(inputs, rng: np.random.Generator) -> Record:
    given = Record()
    if inputs is not None:
        inputs(given, rng)
    return given


# --- running a test -----------------------------------------------------------------------------


@contextlib.contextmanager
def _notebook_rng_untouched():
    """Random state of python, numpy and torch as before: a probe (whose inputs change with each
    grading run) never shifts the random numbers of the notebook cells after it."""
    import random

    import torch

    python_state, numpy_state = random.getstate(), np.random.get_state()
    devices = list(range(torch.cuda.device_count())) if torch.cuda.is_initialized() else []
    with torch.random.fork_rng(devices=devices):
        try:
            yield
        finally:
            random.setstate(python_state)
            np.random.set_state(numpy_state)


def run_test(inputs, probe, judge) -> None:
    """Run a test cell in the student's own notebook, through the same data round trip as grading."""
    given = make_inputs(inputs, np.random.default_rng(NATIVE_SEED))
    seen = Record()
    with _notebook_rng_untouched():
        probe(decode(encode(given)), seen)
    judge(given, decode(encode(seen)))


def serve_probe(source: str, payload: str) -> None:
    """Kernel side, while grading: run the probe on the given inputs and publish what it saw."""
    from IPython import get_ipython
    from IPython.display import publish_display_data

    shell = get_ipython()
    namespace = dict(shell.user_ns if shell is not None else sys.modules["__main__"].__dict__)
    exec(compile(source, "<test probe>", "exec"), namespace)
    seen = Record()
    with _notebook_rng_untouched():
        namespace["probe"](decode(payload), seen)
    publish_display_data({OBSERVATION_MIME: encode(seen)})


def probe_call(parts: TestParts, given: Record) -> str:
    """The code the grader sends to the student's kernel for one test cell."""
    return (
        "import course_utils.verdict as _course_verdict\n"
        f"_course_verdict.serve_probe({parts.probe!r}, {encode(given)!r})"
    )


def run_trusted(source: str, seed: int, grade_id: str, run_probe) -> str:
    """Grader side: inputs and judge run here, the probe through run_probe(code) -> observations.

    source is the instructor's test cell (never the submission's); returns what the judge
    printed. Raises what the judge raises (CheckFailed when the student's answer is wrong).
    """
    parts = split_test(source)
    namespace = {"__name__": "course_test"}
    exec(compile(parts.trusted, f"<test {grade_id}>", "exec"), namespace)
    given = make_inputs(namespace.get("inputs"), test_rng(seed, grade_id))
    seen = decode(run_probe(probe_call(parts, given)))
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        namespace["judge"](given, seen)
    return printed.getvalue()
