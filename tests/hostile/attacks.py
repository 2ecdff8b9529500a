"""Generic cheating snippets: each knows nothing about the assignment it is pasted into.

Each was a way to earn points with a blank notebook while the test cells ran in the student's
kernel. `course grade` must give a blank notebook with any of them exactly 0, and a correct
notebook with any of them full marks. Attacks marked `spares_code` leave the student's own code
working, so they can be placed before every test cell of a correct notebook; the others
(turning every later cell into `pass`) are appended after its last cell.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Attack:
    name: str
    code: str
    spares_code: bool = True


ATTACKS = [
    Attack(
        "ast_transformer_turns_every_cell_into_pass",
        """
import ast
class _Blank(ast.NodeTransformer):
    def visit_Module(self, node):
        return ast.Module(body=[ast.Pass()], type_ignores=[])
get_ipython().ast_transformers.append(_Blank())
""",
        spares_code=False,
    ),
    Attack(
        "input_transformer_turns_every_cell_into_pass",
        "get_ipython().input_transformers_post.append(lambda lines: ['pass\\n'])",
        spares_code=False,
    ),
    Attack(
        "wrapped_run_cell_skips_every_cell",
        """
_ip = get_ipython()
_ip.run_cell = (lambda run: lambda raw_cell, *a, **k: run("pass", *a, **k))(_ip.run_cell)
""",
        spares_code=False,
    ),
    Attack(
        "showtraceback_silenced_and_errors_swallowed",
        """
_ip = get_ipython()
_ip.showtraceback = lambda *a, **k: None
_ip._showtraceback = lambda *a, **k: None
_run = _ip.run_cell
def _quiet(raw_cell, *a, **k):
    result = _run(raw_cell, *a, **k)
    result.error_in_exec = None
    return result
_ip.run_cell = _quiet
""",
    ),
    Attack(
        "checks_code_objects_rewritten",
        """
import course_utils.checks as _c
def _nothing(*args, **kwargs):
    return None
for _name in dir(_c):
    _f = getattr(_c, _name)
    if getattr(_f, '__module__', '') == 'course_utils.checks' and hasattr(_f, '__code__'):
        try:
            _f.__code__ = _nothing.__code__
        except ValueError:  # a closure: other free variables
            pass
""",
    ),
    Attack(
        "checks_module_dict_written_and_sys_modules_swapped",
        """
import sys, types
import course_utils.checks as _c
_noop = lambda *args, **kwargs: None
for _name in list(vars(_c)):
    if _name.startswith(('check', '_fail', 'as_')):
        vars(_c)[_name] = _noop
_fake = types.ModuleType('course_utils.checks')
_fake.__dict__.update({k: _noop for k in vars(_c) if not k.startswith('__')})
_fake.CheckFailed = AssertionError
sys.modules['course_utils.checks'] = _fake
import course_utils
course_utils.checks = _fake
""",
    ),
    Attack(
        "settrace_writes_expected_into_frame_locals",
        """
import ctypes, sys
def _tracer(frame, event, arg):
    if event == 'call' and frame.f_code.co_filename.endswith('checks.py'):
        names = frame.f_code.co_varnames
        if 'got' in names and 'expected' in frame.f_locals:
            frame.f_locals['expected'] = frame.f_locals['got']
            ctypes.pythonapi.PyFrame_LocalsToFast(ctypes.py_object(frame), ctypes.c_int(0))
        if 'condition' in frame.f_locals:
            frame.f_locals['condition'] = True
            ctypes.pythonapi.PyFrame_LocalsToFast(ctypes.py_object(frame), ctypes.c_int(0))
    if event == 'exception' and frame.f_code.co_filename.endswith('checks.py'):
        return None
    return _tracer
sys.settrace(_tracer)
import threading
threading.settrace(_tracer)
""",
    ),
    Attack(
        "raw_execute_result_through_the_kernels_own_channel",
        """
_ip = get_ipython()
_kernel = _ip.kernel
_run = _ip.run_cell
def _forge(raw_cell, *a, **k):
    content = {'data': {'text/plain': '1.0'}, 'metadata': {}, 'execution_count': 1}
    _kernel.session.send(_kernel.iopub_socket, 'execute_result', content, parent=_kernel.get_parent())
    return _run('pass', *a, **k)
_ip.run_cell = _forge
""",
        spares_code=False,
    ),
    Attack(
        "builtins_and_tensor_comparisons_patched",
        """
import builtins, torch, numpy as np, math
builtins.abs = lambda x: 0.0
builtins.all = lambda *a: True
math.isfinite = lambda x: True
bool = lambda *a: True
for _op in ('__lt__', '__le__', '__gt__', '__ge__', '__eq__', '__ne__'):
    setattr(torch.Tensor, _op, lambda self, other: torch.tensor(True))
torch.allclose = lambda *a, **k: True
np.allclose = lambda *a, **k: True
""",
        spares_code=False,
    ),
    Attack(
        "probe_channel_forged_with_empty_observations",
        """
import json
import course_utils.verdict as _v
from IPython.display import publish_display_data
def _serve(source, payload):
    publish_display_data({_v.OBSERVATION_MIME: json.dumps({})})
_v.serve_probe = _serve
""",
        spares_code=False,
    ),
    Attack(
        "probe_errors_swallowed_and_partial_observations_sent",
        """
import course_utils.verdict as _v
from IPython.display import publish_display_data
def _serve(source, payload):
    namespace = dict(get_ipython().user_ns)
    exec(source, namespace)
    seen = _v.Record()
    try:
        namespace['probe'](_v.decode(payload), seen)
    except BaseException:
        pass
    publish_display_data({_v.OBSERVATION_MIME: _v.encode(seen)})
_v.serve_probe = _serve
""",
    ),
    Attack(
        "malformed_observations_and_grader_error_names",
        """
import course_utils.verdict as _v
from IPython.display import publish_display_data
class KernelDied(Exception):
    pass
def _serve(source, payload):
    publish_display_data({_v.OBSERVATION_MIME: '{"x": {"__array__": {"kind": "torch", "dtype": "float64",'
                                                ' "shape": [1000000], "data": "AAAA"}}}'})
    publish_display_data({_v.OBSERVATION_MIME: '[' * 100000})
    raise KernelDied('all tests passed\\r\\n\\x1b[2J')
_v.serve_probe = _serve
""",
        spares_code=False,
    ),
]
