"""Trajectories: multi-model PDB/mmCIF/GRO files, and DCD/XTC/TRR/NetCDF files (with a structure
file or a PSF/TPR/prmtop topology) read with MDAnalysis.

A trajectory is a :class:`~ai4s_lab.protein.Structure` whose models are the frames (coordinates
``(n_frames, n_atoms, 3)`` in Å); ``metadata["time_ps"]`` holds the frame times. Observables over
time (RMSD to a reference frame, radius of gyration) are batched over frames on any device.
"""

from __future__ import annotations

import struct
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ai4s_lab._memory import check_memory
from ai4s_lab._optional import import_optional
from ai4s_lab.errors import Ai4sWarning, DataFileError, InputError, ParameterError
from ai4s_lab.protein._gro import polymer_names
from ai4s_lab.protein._md_topology import md_topology_kind, structure_columns
from ai4s_lab.protein._md_topology import universe as md_universe
from ai4s_lab.protein._periodic import box_matrices, make_whole
from ai4s_lab.protein.geometry import radius_of_gyration
from ai4s_lab.protein.reading import load_structure
from ai4s_lab.protein.scores import rmsd
from ai4s_lab.protein.structure import Structure

if TYPE_CHECKING:
    import pandas as pd
    import torch

__all__ = ["load_trajectory", "rmsd_over_time", "trajectory_table"]

# Trajectory (and one-frame coordinate) files, by extension: MDAnalysis's format.
_TRAJECTORY_FORMATS = {
    ".dcd": "DCD",
    ".xtc": "XTC",
    ".trr": "TRR",
    ".nc": "NCDF",
    ".ncdf": "NCDF",
    ".netcdf": "NCDF",
    ".mdcrd": "MDCRD",
    ".inpcrd": "INPCRD",
    ".rst7": "INPCRD",
    ".restrt": "INPCRD",
    ".gro": "GRO",
    ".pdb": "PDB",
}


def load_trajectory(
    topology: str | Path | Structure,
    trajectory: str | Path | None = None,
    *,
    start: int = 0,
    stop: int | None = None,
    step: int = 1,
    unwrap: bool = False,
    water: bool = True,
    hydrogens: bool = True,
    progress: bool | None = None,
) -> Structure:
    """Read a trajectory: a multi-model structure file, or a topology plus a trajectory file.

    Parameters
    ----------
    topology
        The atoms, in the order of the trajectory file: a PDB, mmCIF or GROMACS ``.gro`` file
        (or a loaded :class:`Structure`), or the topology of a simulation program read with
        MDAnalysis: CHARMM/NAMD ``.psf``, GROMACS ``.tpr``, Amber ``.prmtop``/``.parm7`` (also
        ``.gz``/``.bz2``), GROMACS ``.top``/``.itp`` (where the force-field files they include
        are at hand). Alone, a structure file's models are the frames (NMR ensembles,
        multi-model PDB, multi-frame ``.gro``). A simulation topology takes chains from its
        chain or segment IDs (an Amber file without them: one chain for each bonded polymer
        molecule), elements from its atomic numbers or else from the atom names and masses.
    trajectory
        A DCD, XTC, TRR, Amber NetCDF (``.nc``, ``.ncdf``) or ASCII (``.mdcrd``) trajectory,
        an Amber restart (``.rst7``, ``.inpcrd``), or a ``.gro``/``.pdb`` coordinate file, read
        with MDAnalysis (coordinates converted to Å).
    start, stop, step
        Frames to keep (Python slice semantics).
    unwrap
        Make molecules broken across the periodic box whole in every frame (simulation
        programs write atoms inside the box: a protein across a face has 80 Å bonds and a
        10 Å RMSD where it did not move). Residues are made whole around their first atom
        and the residues of each polymer chain joined in order, using the box of each frame;
        without this, a warning says how many residues are broken.
    water, hydrogens
        Keep water molecules / hydrogen atoms. ``water=False`` reads a solvated protein's
        frames in a tenth of the memory (only the kept atoms are stored).
    progress
        A tqdm progress bar while a trajectory file is read: ``None`` (default) shows it once
        reading has taken 2 s, ``True`` from the start, ``False`` never.

    Returns
    -------
    Structure
        Frames as models; ``metadata["time_ps"]`` the time of each frame (ps; from the titles
        of a ``.gro`` file where they give it, else the frame index for multi-model files).
        B-factors are 0 and occupancies 1 where the topology has none.

    Raises
    ------
    DataFileError
        The topology or trajectory cannot be read, the trajectory's atom count differs from
        the topology's, or it is truncated (a DCD file that ends inside a frame before the
        frame count of its header).
    InputError
        A simulation topology without a trajectory (it holds no coordinates).
    ParameterError
        The chosen frames would not fit in the free memory (the message says how much they
        need: pass ``step``/``stop`` or ``water=False``).

    Warns
    -----
    Ai4sWarning
        A DCD file holds fewer whole frames than its header declares and nothing after them (a
        run that stopped early): the frames it holds are read. Molecules are broken across
        the periodic box and ``unwrap`` is False; ``unwrap`` is True and the trajectory has no
        box.
    """
    if step < 1:
        raise InputError(f"step={step} must be a positive number of frames")
    md_topology = None if isinstance(topology, Structure) else Path(topology)
    if md_topology is not None and md_topology_kind(md_topology) is None:
        md_topology = None
    if md_topology is not None and trajectory is None:
        kind = md_topology_kind(md_topology)
        raise InputError(
            f"{str(topology)!r} is {kind[0] if kind else 'a'} topology: it holds no coordinates; "
            f"pass the trajectory too: load_trajectory({str(topology)!r}, 'trajectory.dcd')"
        )
    frames = slice(start, stop, step)
    if trajectory is None:
        top = _structure(topology)
        keep = _kept_atoms(top, water=water, hydrogens=hydrogens)
        coords = top.coords[frames][:, keep]
        if len(coords) == 0:
            raise InputError(f"no frames in {start}:{stop}:{step} of {top.n_models} models")
        out = top._take_atoms(keep)
        cells = top.metadata.get("box")  # per frame, from a .gro file's box lines
        if cells is not None and len(cells) == top.n_models:
            out.metadata["box"] = np.asarray(cells)[frames]
            boxes = box_matrices(list(out.metadata["box"]))
            if boxes is not None:
                _whole_molecules(coords, boxes, out, Path(top.source), unwrap=unwrap)
        elif unwrap:
            warnings.warn(
                f"{top.source}: its models hold no periodic box (only .gro frames and trajectory "
                "files do), so nothing was made whole (unwrap=True)",
                Ai4sWarning,
                stacklevel=2,
            )
        out = out.with_coords(coords)
        times = top.metadata.get("time_ps")
        if times is None or len(times) != top.n_models:
            times = np.arange(top.n_models, dtype=float)
        out.metadata["time_ps"] = np.asarray(times, dtype=float)[frames]
        return out
    path, fmt = _trajectory_file(trajectory, md_topology)
    if md_topology is not None:
        universe, top = _simulation_topology(md_topology)
    else:
        universe, top = None, _structure(topology)
    keep = _kept_atoms(top, water=water, hydrogens=hydrogens)
    coords, times, cells = _read_frames(universe, top, path, fmt, frames, keep, progress)
    top = top._take_atoms(keep)
    boxes = box_matrices(cells)
    if boxes is not None:
        _whole_molecules(coords, boxes, top, path, unwrap=unwrap)
    elif unwrap:
        warnings.warn(
            f"{path}: its frames hold no periodic box, so nothing was made whole (unwrap=True)",
            Ai4sWarning,
            stacklevel=2,
        )
    out = top.with_coords(coords)
    out.metadata["time_ps"] = np.array(times)
    if boxes is not None:
        out.metadata["box"] = np.stack(cells)  # type: ignore[arg-type]
    out.metadata["trajectory"] = str(path)
    return out


def _trajectory_file(trajectory: str | Path, md_topology: Path | None) -> tuple[Path, str]:
    """The trajectory's path and MDAnalysis format, once the files are there and look right."""
    path = Path(trajectory)
    if md_topology is not None and not md_topology.exists():
        raise FileNotFoundError(f"topology file {str(md_topology)!r} does not exist")
    if not path.exists():
        raise FileNotFoundError(f"trajectory file {str(path)!r} does not exist")
    fmt = _TRAJECTORY_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise DataFileError(
            path,
            f"unknown trajectory format {path.suffix!r}; use one of {tuple(_TRAJECTORY_FORMATS)}",
        )
    if path.stat().st_size == 0:
        raise DataFileError(path, "is empty")
    _check_signature(path)
    return path, fmt


def _kept_atoms(top: Structure, *, water: bool, hydrogens: bool) -> np.ndarray:
    keep = np.ones(top.n_atoms, dtype=bool)
    if not water:
        keep &= ~top.water
    if not hydrogens:
        keep &= ~np.isin(top.element, ["H", "D"])
    if not keep.any():
        raise InputError(
            f"water={water}, hydrogens={hydrogens} leave no atom of {top.name or top.source!r}"
        )
    return np.flatnonzero(keep)


def _read_frames(
    universe: Any,
    top: Structure,
    path: Path,
    fmt: str,
    frames: slice,
    keep: np.ndarray,
    progress: bool | None,
) -> tuple[np.ndarray, list[float], list[np.ndarray | None]]:
    """Positions ``(n_frames, len(keep), 3)`` (Å), times (ps) and cells of the chosen frames."""
    import torch
    from tqdm.auto import tqdm

    mda = import_optional("MDAnalysis")
    short_header: tuple[int, int] | None = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if universe is not None:
                universe.load_new(str(path), format=fmt)
            else:
                universe = mda.Universe(
                    _topology_for_mda(top), str(path), topology_format="PDB", format=fmt
                )
            n_atoms = universe.trajectory.n_atoms
            if n_atoms != top.n_atoms:
                raise DataFileError(
                    path, f"holds {n_atoms} atoms a frame but the topology has {top.n_atoms}"
                )
            declared = _dcd_declared_frames(path) if fmt == "DCD" else None
            held = universe.trajectory.n_frames
            if declared is not None and any(i >= held for i in range(declared)[frames]):
                if _dcd_leftover_bytes(universe.trajectory, path) != 0:
                    raise DataFileError(
                        path,
                        f"its header declares {declared} frames but it holds {held} whole ones "
                        "and part of another: the file is truncated",
                        hint="copy the file again; pass stop= to read the frames it holds",
                    )
                short_header = (declared, held)
            expected = len(range(held)[frames])
            check_memory(
                expected * len(keep) * 3 * 8,
                torch.device("cpu"),
                f"{expected} frames of {len(keep)} atoms of {path.name}",
                fix="read fewer frames (stop=, step=) or fewer atoms (water=False, "
                "hydrogens=False)",
            )
            coords = np.empty((expected, len(keep), 3))
            times: list[float] = []
            cells: list[np.ndarray | None] = []
            with tqdm(
                universe.trajectory[frames],
                total=expected,
                desc=path.name,
                unit="frame",
                disable=progress is False,
                delay=2.0 if progress is None else 0.0,  # quick reads print nothing
            ) as bar:
                for ts in bar:
                    coords[len(times)] = ts.positions[keep]
                    times.append(float(ts.time))
                    cells.append(None if ts.dimensions is None else np.array(ts.dimensions))
    except (DataFileError, ParameterError):
        raise
    except (OSError, ValueError, RuntimeError, EOFError, IndexError, TypeError) as err:
        held_atoms = _atoms_a_frame(path, fmt)
        if held_atoms is not None and held_atoms != top.n_atoms:
            raise DataFileError(
                path, f"holds {held_atoms} atoms a frame but the topology has {top.n_atoms}"
            ) from err
        reason = str(err).replace("\n", " ")
        raise DataFileError(path, f"MDAnalysis cannot read it: {reason}") from err
    if not times:
        raise DataFileError(path, f"no frames in {frames.start}:{frames.stop}:{frames.step}")
    if len(times) < expected:
        raise DataFileError(
            path,
            f"only {len(times)} of the {expected} frames in "
            f"{frames.start}:{frames.stop}:{frames.step} could be read: the file is truncated "
            "or corrupt",
            hint="pass stop= to read the frames before the damage",
        )
    if short_header is not None:
        warnings.warn(
            f"{path}: its header declares {short_header[0]} frames but it holds "
            f"{short_header[1]} whole frames and nothing after them; read as a "
            f"{short_header[1]}-frame trajectory (a run that stopped early, such as a CHARMM "
            "run ended by a stop condition, leaves the planned count in the header)",
            Ai4sWarning,
            stacklevel=3,
        )
    return coords, times, cells


def _whole_molecules(
    coords: np.ndarray, boxes: np.ndarray, top: Structure, path: Path, *, unwrap: bool
) -> None:
    """Make the molecules of every frame whole in place, or warn that some are broken."""
    polymer = sorted(polymer_names(set(top.res_name.tolist())))
    broken = make_whole(
        coords,
        boxes,
        top.residue_index,
        top.chain_id,
        np.isin(top.res_name, polymer),
        apply=unwrap,
    )
    if broken and not unwrap:
        warnings.warn(
            f"{path}: {broken} residues are broken across the periodic box (or apart from the "
            "residue before them in their chain) in some frames, as simulation programs write "
            "them: bonds and RMSD values span the box; pass unwrap=True to make them whole (or "
            "run `gmx trjconv -pbc mol` / cpptraj `autoimage` on the file)",
            Ai4sWarning,
            stacklevel=3,
        )


def _structure(topology: str | Path | Structure) -> Structure:
    return topology if isinstance(topology, Structure) else load_structure(topology, altloc="all")


def _simulation_topology(path: Path) -> tuple[Any, Structure]:
    """The MDAnalysis universe of a PSF/TPR/prmtop file and its atoms as a one-model Structure
    (coordinates zero until the frames are read)."""
    universe = md_universe(path, None)  # errors name the topology, not the trajectory
    kind = md_topology_kind(path)
    top = Structure(
        coords=np.zeros((1, universe.atoms.n_atoms, 3)),
        source=str(path),
        format=kind[1].lower() if kind else "",
        name=path.name.split(".")[0],
        **structure_columns(universe, path),
    )
    top.metadata["methods"] = []
    return universe, top


_XTC_MAGIC = (1995).to_bytes(4, "big")
_TRR_MAGIC = (1993).to_bytes(4, "big")


def _signature_problem(suffix: str, head: bytes) -> str | None:
    """What a trajectory of this format starts with, if ``head`` (its first bytes) does not."""
    if suffix == ".xtc" and head[:4] != _XTC_MAGIC:
        return "an XTC file starts with the magic number 1995"
    if suffix == ".trr" and head[:4] != _TRR_MAGIC:
        return "a TRR file starts with the magic number 1993"
    if suffix == ".dcd" and b"CORD" not in head[4:12]:  # after a 4- or 8-byte record marker
        return "a DCD file has 'CORD' in its first record"
    if suffix in (".nc", ".ncdf", ".netcdf") and not head.startswith((b"CDF", b"\x89HDF")):
        return "an AMBER NetCDF file starts with 'CDF' or the HDF5 signature"
    return None


def _dcd_declared_frames(path: Path) -> int | None:
    """The frame count (NSET) a DCD file's header declares, or None where it declares none
    (writers that never update it leave 0). MDAnalysis counts frames from the file size, so a
    truncated file reads as a shorter trajectory without this check."""
    with path.open("rb") as file:
        head = file.read(16)
    for order in ("<", ">"):
        for marker in (4, 8):  # 32- or 64-bit Fortran record markers
            if int.from_bytes(head[:marker], "little" if order == "<" else "big") == 84:
                nset = struct.unpack(f"{order}i", head[marker + 4 : marker + 8])[0]
                return nset if nset > 0 else None
    return None


def _dcd_leftover_bytes(reader: Any, path: Path) -> int | None:
    """Bytes of a DCD file after its last whole frame (0: the file ends at a frame's end), or
    None where MDAnalysis's reader does not tell the header and frame sizes."""
    dcd: Any = getattr(reader, "_file", None)
    try:
        header, first, size = dcd._header_size, dcd._firstframesize, dcd._framesize
    except AttributeError:
        return None
    body = path.stat().st_size - int(header) - int(first)
    return int(body % int(size)) if body >= 0 and int(size) > 0 else None


def _atoms_a_frame(path: Path, fmt: str) -> int | None:
    """The atom count a trajectory file states (None where its format states none, as Amber's
    ASCII files, or MDAnalysis cannot open it)."""
    from MDAnalysis.coordinates.core import get_reader_for

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = get_reader_for(str(path), format=fmt)(str(path))
            try:
                return int(reader.n_atoms)
            finally:
                reader.close()
    except Exception:  # any failure of the reader: the caller reports MDAnalysis's own error
        return None


def _check_signature(path: Path) -> None:
    """Refuse a file whose first bytes are not its format's. MDAnalysis's readers, opened on
    such a file, fail half-built and then print an "Exception ignored in __del__" traceback of
    their own after the error."""
    with path.open("rb") as file:
        head = file.read(16)
    expected = _signature_problem(path.suffix.lower(), head)
    if expected is not None:
        raise DataFileError(
            path,
            f"is not a {path.suffix.lower()} trajectory: {expected}; this one starts with "
            f"{head[:8]!r}",
            hint="check that the file is the trajectory (not a topology or an archive) and that "
            "its extension names its format",
        )


def _topology_for_mda(top: Structure) -> Any:
    """The topology as an in-memory PDB stream (so any Structure works as a topology)."""
    from io import StringIO

    mda = import_optional("MDAnalysis")
    text = top.to_pdb_string(0, unique_chains=False)  # only the atom order matters here
    return mda.lib.util.NamedStream(StringIO(text), "topology.pdb")


def rmsd_over_time(
    trajectory: Structure,
    reference: int | Structure = 0,
    *,
    atoms: str = "CA",
    superpose: bool = True,
    device: str | torch.device | None = "auto",
    dtype: Any = None,
) -> torch.Tensor:
    """RMSD (Å) of every frame from a reference frame (or structure), after superposition.

    Parameters
    ----------
    trajectory
        Frames as models (see :func:`load_trajectory`).
    reference
        A frame index, or a :class:`Structure` matched by residue numbering.
    atoms
        Atom set (``"CA"``, ``"backbone"``, ``"heavy"``).
    superpose
        Superpose each frame on the reference first (Kabsch), or compare in the file's frame.
    device, dtype
        Where and in what precision to compute: ``"auto"`` is the GPU when one is present
        (:func:`ai4s_lab.resolve_device`); ``None`` dtype is float64 on the CPU, float32 on a
        GPU (:func:`ai4s_lab.resolve_dtype`).

    Returns
    -------
    torch.Tensor
        ``(n_frames,)`` RMSD in Å.
    """
    if isinstance(reference, (int, np.integer)) and not isinstance(reference, bool):
        reference = int(reference)
        if not -trajectory.n_models <= reference < trajectory.n_models:
            raise InputError(
                f"reference={reference} is not a frame of a {trajectory.n_models}-frame trajectory"
            )
        idx = trajectory.required_atoms(atoms, "compute an RMSD over time")
        return rmsd(
            trajectory.coords[:, idx],
            trajectory.coords[reference, idx],
            superpose=superpose,
            device=device,
            dtype=dtype,
        )
    return rmsd(trajectory, reference, superpose=superpose, atoms=atoms, device=device, dtype=dtype)


def trajectory_table(
    trajectory: Structure,
    reference: int | Structure = 0,
    *,
    atoms: str = "CA",
    device: str | torch.device | None = "auto",
) -> pd.DataFrame:
    """Per-frame table: ``frame``, ``time_ps``, ``rmsd`` (Å, to ``reference``) and ``rg`` (Å)."""
    import pandas as pd

    values = rmsd_over_time(trajectory, reference, atoms=atoms, device=device)
    rg = radius_of_gyration(trajectory, atoms=atoms, device=device)
    times = trajectory.metadata.get("time_ps", np.arange(trajectory.n_models, dtype=float))
    return pd.DataFrame(
        {
            "frame": np.arange(trajectory.n_models),
            "time_ps": times,
            "rmsd": values.cpu().numpy(),
            "rg": rg.cpu().numpy(),
        }
    )
