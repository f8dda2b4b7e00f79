"""The training configuration: the same JSON keys and defaults as `deepigeos train-pnet` /
`train-rnet --config FILE` (a test compares these defaults with the CLI's schema), so one config
file drives either trainer and the `config.json` written here is what the CLI loads."""
import copy
import difflib
import json

DATA = {
    "format": "glob", "modalities": ["flair"], "classIndex": 1, "imageSet": "train", "validationFraction": 0.2,
}
DATA_OPTIONAL = ["images", "labels", "pairs", "root", "channels", "foreground", "validationCases"]
PREPROCESS = {"canonical": True, "spacing": None, "crop": True, "cropMargin": 2, "zscore": True, "clipPercentiles": [0.5, 99.5]}
AUGMENT = {
    "enabled": True, "flipProbability": 0.5, "rotation": 0.26, "scale": 0.1, "elasticSigma": 0, "elasticGrid": 4,
    "biasField": 0.1, "gamma": 0.2, "noise": 0.05, "spatialProbability": 0.5,
}
COMMON = {
    "dim": 2, "epochs": None, "stepsPerEpoch": 50, "batch": 4, "patch": None, "channels": None, "dropout": 0.2,
    "kernelInit": "he", "learningRate": 0.001, "lrSchedule": "cosine", "minLearningRate": 0.05, "earlyStopping": 16,
    "loss": "crossEntropy+dice", "seed": 0, "maxMinutes": None, "sliceAxis": 0,
    "foregroundProbability": 0.5, "validationSamples": 12, "backend": "auto", "logDir": "experiments/logs",
    "cacheCases": 64, "crf": False, "crfSteps": 60, "crfJointSteps": 60,
}
# Epochs when `epochs` is null and no time budget is set (the CLI's rule).
DEFAULT_EPOCHS = 10
RNET = {
    "lambda": 1, "interactionMode": "clicks", "trainingRounds": 3, "fallbackClickProbability": 1, "noSeedProbability": 0,
    "perturbInput": 0.5, "perturbSigma": 4,
}
# initFromPNet has no default in the CLI: absent means "when the layouts match".
RNET_OPTIONAL = ["pnet", "initFromPNet"]
NESTED = {"data": (DATA, DATA_OPTIONAL), "preprocess": (PREPROCESS, []), "augment": (AUGMENT, [])}


class ConfigError(Exception):
    """A config file or flag value is invalid; the message names the key."""


def _check_keys(obj, allowed, path):
    if not isinstance(obj, dict):
        raise ConfigError(f"{path} must be a JSON object, got {type(obj).__name__}")
    for key in obj:
        if key not in allowed:
            close = difflib.get_close_matches(key, allowed, n=1)
            hint = f' (did you mean "{close[0]}"?)' if close else ""
            raise ConfigError(f'{path}: unknown key "{key}"{hint}; allowed keys: {", ".join(allowed)}')


def defaults(net):
    """The fully defaulted config of `train-pnet` (net 'pnet') or `train-rnet` ('rnet')."""
    out = copy.deepcopy(COMMON)
    for name, (fields, _) in NESTED.items():
        out[name] = copy.deepcopy(fields)
    if net == "rnet":
        out.update(RNET)
    return out


def allowed_keys(net):
    """Every key a config may hold: {"": top-level keys, "data": …, "preprocess": …, "augment": …}."""
    out = {"": list(COMMON) + list(NESTED) + (list(RNET) + RNET_OPTIONAL if net == "rnet" else [])}
    for name, (fields, optional) in NESTED.items():
        out[name] = list(fields) + optional
    return out


def validate(raw, net, path="config"):
    """Checks keys (unknown ones are errors, as in the CLI) and fills in defaults."""
    _check_keys(raw, allowed_keys(net)[""], path)
    out = defaults(net)
    for key, value in raw.items():
        if key in NESTED:
            _check_keys(value, allowed_keys(net)[key], f"{path}.{key}")
            out[key].update(value)
        else:
            out[key] = value
    if out["dim"] not in (2, 3):
        raise ConfigError(f"{path}.dim must be 2 or 3, got {out['dim']!r}")
    if out["loss"] not in ("crossEntropy", "dice", "crossEntropy+dice"):
        raise ConfigError(f"{path}.loss must be crossEntropy, dice or crossEntropy+dice, got {out['loss']!r}")
    for key in ("batch", "stepsPerEpoch", "validationSamples"):
        if not isinstance(out[key], int) or out[key] < 1:
            raise ConfigError(f"{path}.{key} must be a positive integer, got {out[key]!r}")
    if out["epochs"] is not None and (not isinstance(out["epochs"], int) or out["epochs"] < 1):
        raise ConfigError(f"{path}.epochs must be a positive integer or null, got {out['epochs']!r}")
    clip = out["preprocess"]["clipPercentiles"]
    if clip is not None and not (isinstance(clip, list) and len(clip) == 2 and 0 <= clip[0] < clip[1] <= 100):
        raise ConfigError(f"{path}.preprocess.clipPercentiles must be [lo, hi] with 0 <= lo < hi <= 100, or null; got {clip!r}")
    return out


def epochs(config):
    """Epochs to run: the config's, else the CLI's default."""
    return config["epochs"] or DEFAULT_EPOCHS


def load(file, net):
    """Reads and validates a JSON config file."""
    try:
        with open(file) as f:
            raw = json.load(f)
    except OSError as e:
        raise ConfigError(f"cannot read config file {file}: {e}") from e
    except ValueError as e:
        raise ConfigError(f"config file {file} is not valid JSON: {e}") from e
    return validate(raw, net, file)


def sizes(config):
    """(patch, channels) after the dimension-dependent defaults (64/32 in 2D, 32/16 in 3D)."""
    two = config["dim"] == 2
    return config["patch"] or (64 if two else 32), config["channels"] or (32 if two else 16)
