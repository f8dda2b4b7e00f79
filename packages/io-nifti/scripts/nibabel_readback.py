"""Prints nibabel's summary of each NIfTI file given on the command line, as one JSON object
keyed by path. Used by the io-nifti read-back test: nibabel must read what we write."""
import json
import sys

from nibabel_summary import summary

print(json.dumps({path: summary(path) for path in sys.argv[1:]}))
