"""What nibabel sees in a NIfTI file, as JSON-ready numbers (shared by the fixture generator and
the read-back test). Run with Debian's /usr/bin/python3 (nibabel 5)."""
import numpy as np
import nibabel as nb
from nibabel.orientations import apply_orientation, io_orientation


def component_flat(arr):
    """Values in file order (x fastest), complex as re/im pairs, RGB(A) as bytes."""
    flat = np.asarray(arr).ravel(order='F')
    if flat.dtype.kind == 'c':
        return np.column_stack([flat.real, flat.imag]).ravel()
    if flat.dtype.names:
        return np.ascontiguousarray(flat).view(np.uint8)
    return flat


def number(x):
    """Exact integers as strings when they exceed float64's exact range."""
    if isinstance(x, (int, np.integer)):
        x = int(x)
        return x if abs(x) < 2**53 else str(x)
    return float(x)


def checksums(arr):
    flat = component_flat(arr)
    weights = (np.arange(flat.size) % 7) + 1
    if flat.dtype.kind in 'iu':
        total = sum(int(v) for v in flat)
        weighted = sum(int(v) * int(w) for v, w in zip(flat, weights))
        return number(total), number(weighted)
    # NaN voxels (common in float maps) count as 0, on both sides of the comparison.
    flat = np.nan_to_num(flat.astype(np.float64), nan=0.0)
    return float(flat.sum()), float((flat * weights).sum())


def summary(path):
    img = nb.load(path)
    hdr = img.header
    raw = np.asanyarray(img.dataobj.get_unscaled()) if hasattr(img.dataobj, 'get_unscaled') else np.asanyarray(img.dataobj)
    total, weighted = checksums(raw)
    out = {
        'version': 2 if isinstance(hdr, nb.Nifti2Header) else 1,
        'dims': [int(d) for d in img.shape],
        'datatype': int(hdr['datatype']),
        'affine': img.affine.tolist(),
        'qformCode': int(hdr['qform_code']),
        'sformCode': int(hdr['sform_code']),
        'sform': hdr.get_sform().tolist(),
        'sum': total,
        'weightedSum': weighted,
        'extensions': [[int(e.get_code()), len(e.get_content())] for e in hdr.extensions],
    }
    if raw.dtype.kind in 'iuf':
        out['qform'] = hdr.get_qform().tolist()
        # nibabel moves the scaling from the header into the data proxy on loading.
        out['slope'] = float(getattr(img.dataobj, 'slope', 1.0))
        out['inter'] = float(getattr(img.dataobj, 'inter', 0.0))
        out['scaledSum'] = float(np.nansum(img.get_fdata(dtype=np.float64)))
    ornt = io_orientation(img.affine)
    canon = nb.as_closest_canonical(img)
    out['canonical'] = {
        'dims': [int(d) for d in canon.shape],
        'affine': canon.affine.tolist(),
        'orientation': ornt.astype(int).tolist(),
        'weightedSum': checksums(apply_orientation(raw, ornt))[1],
    }
    return out
