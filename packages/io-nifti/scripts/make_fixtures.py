"""Writes the small NIfTI fixtures of the io-nifti tests with nibabel and records what nibabel
reads from each in test/fixtures/golden.json. Run from this folder with Debian's Python:
    /usr/bin/python3 make_fixtures.py
Deterministic: re-running reproduces the committed files."""
import gzip
import json
import math
import os
import struct

import numpy as np
import nibabel as nb

from nibabel_summary import summary

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', 'test', 'fixtures')
RNG = np.random.default_rng(20261127)


def rotation(ax, ay, az):
    cx, sx, cy, sy, cz, sz = math.cos(ax), math.sin(ax), math.cos(ay), math.sin(ay), math.cos(az), math.sin(az)
    rx = np.array([[1, 0, 0], [0, cx, -sx], [0, sx, cx]])
    ry = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
    rz = np.array([[cz, -sz, 0], [sz, cz, 0], [0, 0, 1]])
    return rz @ ry @ rx


def affine_of(rot, zooms, offset):
    a = np.eye(4)
    a[:3, :3] = rot @ np.diag(zooms)
    a[:3, 3] = offset
    return a


OBLIQUE = affine_of(rotation(0.3, -0.2, 0.5), [1.2, 0.9, 2.5], [-30.5, 12.25, 40.0])
# Voxel axes permuted and flipped (LPI-ish, slices first) plus a small rotation.
PERMUTED = affine_of(rotation(0.05, 0.1, -0.08) @ np.array([[0, 0, -1], [-1, 0, 0], [0, 1, 0]]), [3.0, 0.8, 0.7], [90, 110, -60])

SCALAR = {
    'uint8': np.uint8, 'int8': np.int8, 'uint16': np.uint16, 'int16': np.int16,
    'uint32': np.uint32, 'int32': np.int32, 'uint64': np.uint64, 'int64': np.int64,
    'float32': np.float32, 'float64': np.float64,
}
RGB = np.dtype([('R', 'u1'), ('G', 'u1'), ('B', 'u1')])
RGBA = np.dtype([('R', 'u1'), ('G', 'u1'), ('B', 'u1'), ('A', 'u1')])


def values(dtype, shape):
    n = int(np.prod(shape))
    dtype = np.dtype(dtype)
    if dtype.names:
        return RNG.integers(0, 256, size=n * len(dtype.names), dtype=np.uint8).view(dtype).reshape(shape)
    if dtype.kind == 'c':
        return (RNG.normal(size=shape) * 100 + 1j * RNG.normal(size=shape) * 50).astype(dtype)
    if dtype.kind == 'f':
        return (RNG.normal(size=shape) * 1000).astype(dtype)
    info = np.iinfo(dtype)
    # Cover the type's extremes (64-bit values beyond 2^53 included) plus random values.
    data = RNG.integers(max(info.min, -10**6), min(info.max, 10**6), size=n, endpoint=True).astype(dtype)
    data[0], data[-1] = info.min, info.max
    return data.reshape(shape)


def save(img, name):
    path = os.path.join(OUT, name)
    nb.save(img, path)
    return name


def make(data, affine, klass=nb.Nifti1Image, endian='<', qcode=1, scode=2, qaffine=None):
    hdr = klass.header_class(endianness=endian)
    hdr.set_data_dtype(data.dtype)
    img = klass(data, affine, hdr)
    img.header.set_sform(affine, code=scode)
    img.header.set_qform(affine if qaffine is None else qaffine, code=qcode)
    return img


def datatype_files():
    names = []
    for name, dtype in list(SCALAR.items()) + [('complex64', np.complex64), ('complex128', np.complex128), ('rgb24', RGB), ('rgba32', RGBA)]:
        for endian, tag in (('<', 'le'), ('>', 'be')):
            dt = np.dtype(dtype).newbyteorder(endian) if not np.dtype(dtype).names else np.dtype(dtype)
            data = values(dt, (4, 3, 2))
            names.append(save(make(data, OBLIQUE, endian=endian), f'dtype-{name}-{tag}.nii'))
    return names


def container_files():
    names = []
    data = values(np.int16, (5, 4, 3))
    for klass, v in ((nb.Nifti1Image, 1), (nb.Nifti2Image, 2)):
        names.append(save(make(data, PERMUTED, klass), f'container-v{v}.nii'))
        names.append(save(make(data, PERMUTED, klass), f'container-v{v}.nii.gz'))
    for klass, v in ((nb.Nifti1Pair, 1), (nb.Nifti2Pair, 2)):
        names.append(save(make(data, PERMUTED, klass), f'pair-v{v}.hdr'))
        names.append(save(make(data, PERMUTED, klass, endian='>'), f'pair-v{v}-be.img'))
        names.append(save(make(data, PERMUTED, klass), f'pairgz-v{v}.hdr.gz'))
    big = make(values('>f4', (3, 4, 2)), OBLIQUE, nb.Nifti2Image, endian='>')
    names.append(save(big, 'container-v2-be.nii'))
    return names


def scaling_files():
    names = []
    for tag, slope, inter in (('slope', 2.5, -3.0), ('zero', 0.0, 7.0), ('nan', math.nan, 1.0), ('interonly', 1.0, 100.0)):
        name = save(make(values(np.int16, (3, 3, 3)), OBLIQUE), f'scl-{tag}.nii')
        patch(name, '<ff', 112, slope, inter)
        names.append(name)
    return names


def patch(name, fmt, offset, *values):
    """Overwrites raw little-endian header fields: nibabel's writer re-derives codes, scaling and
    pixdims from the image affine and data, so unusual headers are written by patching."""
    path = os.path.join(OUT, name)
    raw = bytearray(open(path, 'rb').read())
    struct.pack_into(fmt, raw, offset, *values)
    open(path, 'wb').write(bytes(raw))


def code_files():
    names = []
    qaff = affine_of(rotation(-0.4, 0.1, 0.2), [1.0, 1.5, 2.0], [5, -6, 7])
    data = values(np.uint8, (2, 3, 2))
    for q in range(6):
        for s in range(6):
            # Saved with both forms coded (so nibabel keeps them), then codes set and the unused form zeroed.
            name = save(make(data, OBLIQUE, qcode=1, scode=1, qaffine=qaff), f'codes-q{q}-s{s}.nii')
            patch(name, '<hh', 252, q, s)
            if q == 0:
                patch(name, '<6f', 256, *[0.0] * 6)
            if s == 0:
                patch(name, '<12f', 280, *[0.0] * 12)
            names.append(name)
    return names


def orientation_files():
    names = []
    cases = {
        'ras': affine_of(np.eye(3), [1, 2, 3], [0, 0, 0]),
        'las': affine_of(np.diag([-1, 1, 1]), [1, 1, 1], [10, 0, 0]),
        'permuted': PERMUTED,
        'oblique': OBLIQUE,
        'oblique-negdet': affine_of(rotation(0.7, 0.4, -1.1) @ np.diag([1, -1, 1]), [0.5, 0.6, 0.7], [1, 2, 3]),
        'pir': affine_of(np.array([[0, 0, -1], [-1, 0, 0], [0, -1, 0]], float), [1, 1, 1], [0, 0, 0]),
        'sheared': np.array([[1.0, 0.4, 0, 3], [0.1, 0.9, 0, 4], [0, 0.2, 2.0, 5], [0, 0, 0, 1]]),
    }
    for tag, aff in cases.items():
        names.append(save(make(values(np.float32, (5, 4, 3)), aff), f'orient-{tag}.nii'))
    # Multi-component and 64-bit voxels must move as whole voxels when reoriented.
    for tag, dtype in (('rgb24', RGB), ('complex64', np.complex64), ('int64', np.int64)):
        names.append(save(make(values(dtype, (3, 4, 2)), PERMUTED), f'orient-permuted-{tag}.nii'))
    return names


def shape_files():
    names = []
    names.append(save(make(values(np.float32, (3, 2, 2, 4)), OBLIQUE), 'shape-4d.nii.gz'))
    names.append(save(make(values(np.int16, (2, 2, 2, 2, 3)), PERMUTED), 'shape-5d.nii'))
    names.append(save(make(values(np.uint8, (4, 3, 2, 1)), OBLIQUE), 'shape-trailing1.nii'))
    return names


def extension_files():
    img = make(values(np.int16, (3, 2, 2)), OBLIQUE)
    img.header.extensions.append(nb.nifti1.Nifti1Extension('comment', b'DeepIGeoS fixture: a comment extension'))
    img.header.extensions.append(nb.nifti1.Nifti1Extension(44, b'{"Modality": "MR"}'))
    names = [save(img, 'ext-two.nii')]
    pair = make(values(np.int16, (3, 2, 2)), OBLIQUE, nb.Nifti1Pair)
    pair.header.extensions.append(nb.nifti1.Nifti1Extension('comment', b'pair header extension'))
    names.append(save(pair, 'ext-pair.hdr'))
    return names


def pixdim_files():
    names = []
    for tag, pixdim0, zooms in (('qfac0', 0.0, [1, 2, 3]), ('negative', 1.0, [-1.5, 2, -3]), ('zero', -1.0, [0, 2, 3])):
        name = save(make(values(np.int16, (3, 2, 2)), OBLIQUE, qcode=1, scode=0), f'pixdim-{tag}.nii')
        patch(name, '<4f', 76, pixdim0, *zooms)
        names.append(name)
    # Neither form coded: the base affine from pixdim applies.
    name = save(make(values(np.int16, (4, 3, 2)), OBLIQUE), 'pixdim-base.nii')
    patch(name, '<hh', 252, 0, 0)
    patch(name, '<4f', 76, 1.0, 2.0, 3.0, 4.0)
    names.append(name)
    return names


def multimember_file():
    src = os.path.join(OUT, 'container-v1.nii')
    raw = open(src, 'rb').read()
    cut = len(raw) // 3
    with open(os.path.join(OUT, 'multimember.nii.gz'), 'wb') as f:
        for part in (raw[:cut], raw[cut:2 * cut], raw[2 * cut:]):
            f.write(gzip.compress(part, mtime=0))
    return ['multimember.nii.gz']


def main():
    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(OUT):
        os.remove(os.path.join(OUT, f))
    names = (datatype_files() + container_files() + scaling_files() + code_files() + orientation_files()
             + shape_files() + extension_files() + pixdim_files() + multimember_file())
    golden = {name: summary(os.path.join(OUT, name)) for name in names}
    with open(os.path.join(OUT, 'golden.json'), 'w') as f:
        json.dump(golden, f, indent=1, allow_nan=True)
    print(f'{len(names)} fixtures, {sum(os.path.getsize(os.path.join(OUT, n)) for n in os.listdir(OUT))} bytes')


if __name__ == '__main__':
    main()
