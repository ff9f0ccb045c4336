from __future__ import annotations

import pytest

from ai4s_lab import errors
from ai4s_lab._optional import extra_for, import_optional, is_available


def test_every_error_derives_from_the_base() -> None:
    for name in errors.__all__:
        cls = getattr(errors, name)
        base = errors.Ai4sWarning if name == "Ai4sWarning" else errors.Ai4sError
        assert issubclass(cls, base), name


@pytest.mark.parametrize(
    ("cls", "builtin"),
    [
        (errors.InputError, ValueError),
        (errors.ParameterError, ValueError),
        (errors.DataFileError, ValueError),
        (errors.MissingDependencyError, ImportError),
        (errors.DeviceUnavailableError, RuntimeError),
        (errors.SolverDivergedError, FloatingPointError),
    ],
)
def test_errors_are_also_the_matching_builtin(cls: type, builtin: type) -> None:
    assert issubclass(cls, builtin)


def test_data_file_error_names_file_line_and_fix() -> None:
    err = errors.DataFileError("model.pdb", "no ATOM records", line=12, hint="is it a PDB file?")
    assert str(err) == "model.pdb, line 12: no ATOM records (is it a PDB file?)"
    assert err.path == "model.pdb" and err.line == 12


def test_missing_optional_package_names_the_extra() -> None:
    with pytest.raises(errors.MissingDependencyError) as info:
        import_optional("rdkit_that_does_not_exist", purpose="testing")
    assert 'pip install "ai4s-lab[all]"' in str(info.value)
    assert "testing" in str(info.value)
    assert isinstance(info.value, ImportError)


def test_registered_packages_name_their_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "gemmi", None)  # makes `import gemmi` fail
    with pytest.raises(errors.MissingDependencyError, match=r"ai4s-lab\[protein\]"):
        import_optional("gemmi")
    assert extra_for("rdkit.Chem") == "molecules"


def test_import_optional_returns_the_module() -> None:
    module = import_optional("json")
    assert module.dumps([1]) == "[1]"
    assert is_available("json") and not is_available("no_such_package_xyz")
