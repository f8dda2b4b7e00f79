"""PyTorch side of DeepIGeoS.js: train P-Net/R-Net with DistributedDataParallel, deploy the result
with the JavaScript packages (the `deepigeos` CLI, `@deepigeos/rnet`, the web app) as is."""
