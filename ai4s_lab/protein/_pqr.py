"""PQR files (PDB2PQR, APBS): PDB-like atom records with charge and radius, in fields separated
by whitespace rather than PDB's fixed columns.

A PQR record is ``ATOM serial name residue [chain] number x y z charge radius``; PDB2PQR writes
it with ``--whitespace`` so that wide numbers never run together, and then the coordinates are
not in columns 31–54 where a PDB reader looks for them. :func:`pqr_to_pdb` writes each record
in PDB columns (occupancy 1, B-factor 0; the charges and radii are not kept) for the PDB reader.

References
----------
.. [1] T. J. Dolinsky et al., "PDB2PQR: an automated pipeline for the setup of Poisson-Boltzmann
   electrostatics calculations", Nucleic Acids Res. 32, W665–W667 (2004),
   doi:10.1093/nar/gkh381.
"""

from __future__ import annotations

from ai4s_lab.errors import DataFileError

__all__ = ["pqr_to_pdb"]


def pqr_to_pdb(text: str, label: str) -> str:
    """PQR text as PDB text: atom records in fixed columns, other records as they are.

    Raises
    ------
    DataFileError
        An ATOM/HETATM record without the fields of a PQR record; the message names the line.
    """
    out = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.startswith(("ATOM", "HETATM")):
            out.append(line)
            continue
        fields = line.split()
        if len(fields) not in (10, 11):
            raise DataFileError(
                label,
                f"a PQR atom record has 10 or 11 fields (ATOM serial name residue [chain] "
                f"number x y z charge radius), this one {len(fields)}",
                line=number,
            )
        record, serial, name, residue = fields[:4]
        chain = fields[4] if len(fields) == 11 else " "
        number_field = fields[-6]
        icode = number_field[-1] if number_field[-1:].isalpha() else " "
        try:
            x, y, z = (float(value) for value in fields[-5:-2])
            res_seq = int(number_field.rstrip(icode.strip() or " "))
            serial_number = int(serial)
        except ValueError:
            raise DataFileError(
                label,
                f"fields {' '.join(fields[-6:-2])!r} of a PQR atom record are not a residue "
                "number and three coordinates",
                line=number,
            ) from None
        # PDB alignment: names of four characters from column 13, shorter ones from column 14
        padded = f"{name:<4}" if len(name) == 4 else f" {name:<3}"
        res_name = f"{residue:>3} " if len(residue) <= 3 else residue[:4]  # HSD, or TIP3
        out.append(
            f"{record:<6}{serial_number % 100_000:5d} {padded} {res_name}{chain[:1]}"
            f"{res_seq:4d}{icode}   {x:8.3f}{y:8.3f}{z:8.3f}{1.0:6.2f}{0.0:6.2f}"
        )
    return "\n".join(out)
