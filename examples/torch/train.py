#!/usr/bin/env python3
"""Train DeepIGeoS' P-Net or R-Net with PyTorch DistributedDataParallel, writing a folder that the
JavaScript packages load as is (`deepigeos segment --pnet OUT`, `evaluate`, `refine`, the web app).

  torchrun --nproc_per_node N [--nnodes M ...] examples/torch/train.py pnet|rnet \\
      --images GLOB --labels GLOB --dim 2|3 --out DIR [--pnet DIR] [--config FILE] \\
      [--steps N] [--patch N] [--channels N] [--seed N] [--resume]

Also runs without torchrun (one process). NCCL on GPUs, gloo on CPUs. `--config` takes the same
JSON keys as `deepigeos train-pnet/train-rnet --config`; `batch` is the global batch (split evenly
over the processes). `--pnet DIR` is the frozen P-Net for R-Net, and for P-Net the weights to
fine-tune (a folder written by this script or by the JavaScript CLI). `--resume` continues the run
in `--out` (a run of this script, or a JavaScript CLI run whose weights it fine-tunes).

Outputs in OUT: config.json (the CLI's keys), model/ and best/ (model.safetensors: the PyTorch
state dict, keys as `importTorchStateDict` expects), checkpoint/ (model + Adam state + step),
metrics.jsonl; TensorBoard scalars in <logDir>/<name of OUT>.
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, Dataset, DistributedSampler

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from deepigeos_torch import config as cfg  # noqa: E402
from deepigeos_torch.data import CaseCache, DatasetError, dataset_cases, draw_sample, load_case, rng_for, split_cases, validation_samples  # noqa: E402
from deepigeos_torch.files import ModelFolderError, read_run, read_tfjs_state, write_dir_atomically, write_model_folder, write_safetensors  # noqa: E402
from deepigeos_torch.geodesic import GeodesicError  # noqa: E402
from deepigeos_torch.interactions import perturb_probability, rnet_input, simulate_clicks  # noqa: E402
from deepigeos_torch.logs import EventWriter, append_metrics  # noqa: E402
from deepigeos_torch.models import create_net, forward, infer_shape  # noqa: E402


class UsageError(Exception):
    """A command-line problem; the message names the flag."""


EXPECTED = (UsageError, cfg.ConfigError, DatasetError, ModelFolderError, GeodesicError)


def parse_args(argv):
    p = argparse.ArgumentParser(prog="train.py", description=__doc__.split("\n\n")[0])
    p.add_argument("net", choices=["pnet", "rnet"])
    p.add_argument("--images", metavar="GLOB")
    p.add_argument("--labels", metavar="GLOB")
    p.add_argument("--dim", type=int, choices=[2, 3])
    p.add_argument("--out", metavar="DIR", required=True)
    p.add_argument("--pnet", metavar="DIR")
    p.add_argument("--config", metavar="FILE")
    p.add_argument("--steps", type=int, metavar="N")
    p.add_argument("--patch", type=int, metavar="N")
    p.add_argument("--channels", type=int, metavar="N")
    p.add_argument("--seed", type=int, metavar="N")
    p.add_argument("--resume", action="store_true")
    return p.parse_args(argv)


def build_config(args):
    """(config, total steps) from --config and the flags, or from OUT with --resume."""
    if args.steps is not None and args.steps < 1:
        raise UsageError(f"--steps must be a positive integer, got {args.steps}")
    saved = os.path.join(args.out, "config.json")
    if args.resume:
        given = [f"--{k}" for k in ("images", "labels", "dim", "config", "patch", "channels", "seed") if getattr(args, k) is not None]
        if given:
            raise UsageError(f"--resume continues the saved config in {saved}; drop {', '.join(given)} (only --steps may change)")
        if not os.path.exists(saved):
            raise UsageError(f"--resume: {args.out} has no run to resume (expected {saved})")
        config = cfg.load(saved, args.net)
        return config, args.steps or cfg.epochs(config) * config["stepsPerEpoch"]
    if os.path.exists(os.path.join(args.out, "checkpoint")):
        raise UsageError(f"{args.out} already holds a training run; pass --resume to continue it or choose another --out")
    config = cfg.load(args.config, args.net) if args.config else cfg.defaults(args.net)
    if args.images:
        config["data"]["images"] = args.images
        config["data"]["format"] = "glob"
    if args.labels:
        config["data"]["labels"] = args.labels
    for key in ("dim", "patch", "channels", "seed"):
        if getattr(args, key) is not None:
            config[key] = getattr(args, key)
    if args.patch is not None and args.patch < 8:
        raise UsageError(f"--patch must be at least 8, got {args.patch}")
    if args.channels is not None and args.channels < 1:
        raise UsageError(f"--channels must be positive, got {args.channels}")
    if args.net == "rnet":
        if args.pnet:
            config["pnet"] = args.pnet
        if not config.get("pnet"):
            raise UsageError("rnet needs the trained P-Net: pass --pnet DIR")
    total = args.steps or cfg.epochs(config) * config["stepsPerEpoch"]
    if args.steps:
        config["stepsPerEpoch"] = min(config["stepsPerEpoch"], args.steps)
        config["epochs"] = math.ceil(args.steps / config["stepsPerEpoch"])
    return config, total


class Distributed:
    """Rank, world size and device; a process group when launched by torchrun."""

    def __init__(self):
        self.rank = int(os.environ.get("RANK", "0"))
        self.world = int(os.environ.get("WORLD_SIZE", "1"))
        self.local_rank = int(os.environ.get("LOCAL_RANK", "0"))
        self.cuda = torch.cuda.is_available()
        self.device = torch.device(f"cuda:{self.local_rank}" if self.cuda else "cpu")
        self.active = False

    def start(self):
        if "RANK" in os.environ:
            if self.cuda:
                torch.cuda.set_device(self.device)
            dist.init_process_group("nccl" if self.cuda else "gloo")
            self.active = True

    def barrier(self):
        if self.active:
            dist.barrier()

    def stop(self):
        if self.active:
            dist.destroy_process_group()


class Samples(Dataset):
    """Training sample g (global index over the whole run) drawn with its own seeded generator, so a
    run's samples depend on neither the number of processes nor on resuming."""

    def __init__(self, cases, config, patch, first, count):
        self.cases, self.config, self.patch, self.first, self.count = cases, config, patch, first, count

    def __len__(self):
        return self.count

    def __getitem__(self, i):
        g = self.first + i
        rng = rng_for(self.config["seed"], g)
        case = self.cases.get(int(rng.integers(len(self.cases))))
        image, label, spacing = draw_sample(case, self.config, self.patch, rng)
        return torch.from_numpy(np.ascontiguousarray(image)), torch.from_numpy(label.astype(np.int64)), torch.tensor(spacing, dtype=torch.float64), g


def segmentation_loss(logits, labels, kind):
    """crossEntropy: mean over voxels; dice: 1 − soft Dice (smooth 1e-5) averaged over classes and
    samples. Both are means over equally sized samples, so the DDP gradient average equals the
    single-process gradient of the global batch."""
    loss = 0
    if "crossEntropy" in kind:
        loss = loss + F.cross_entropy(logits, labels)
    if "dice" in kind:
        p = torch.softmax(logits, 1)
        y = F.one_hot(labels, logits.shape[1]).movedim(-1, 1).to(p.dtype)
        axes = tuple(range(2, logits.ndim))
        inter = (p * y).sum(axes)
        total = p.sum(axes) + y.sum(axes)
        loss = loss + 1 - ((2 * inter + 1e-5) / (total + 1e-5)).mean()
    return loss


def load_net(folder, flag):
    """(config, network) of a run folder written by this script or by the JavaScript CLI."""
    config, state = read_run(folder)
    dim, cin, channels = infer_shape(state)
    net = create_net(dim, cin, channels, config.get("dropout", 0.2))
    try:
        net.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()}, strict=True)
    except RuntimeError as e:
        raise ModelFolderError(f"{flag} {folder}: weights do not fit a {dim}D P-Net/R-Net: {e}") from e
    return config, net


def probabilities(net, x, dim):
    with torch.no_grad():
        return torch.softmax(forward(net, x, dim), 1)[:, 1]


def rnet_batch(pnet, images, labels, spacings, gids, config, perturb=True):
    """R-Net inputs for a batch: P-Net's foreground probability (in `perturbInput` of the samples
    perturbed, unless `perturb` is false, as for validation), simulated clicks on its errors,
    their geodesic maps (GeodisTK-equivalent 'raster', as `@deepigeos/rnet` encodes them)."""
    prob = probabilities(pnet, images, config["dim"]).cpu().numpy()
    rows = []
    for k in range(images.shape[0]):
        rng = rng_for(config["seed"], int(gids[k]), 7)
        image = images[k].cpu().numpy()
        if perturb and config.get("perturbInput", 0) > 0 and rng.random() < config["perturbInput"]:
            prob[k] = perturb_probability(prob[k], rng, config.get("perturbSigma", 4))
        if rng.random() < config.get("noSeedProbability", 0):
            fg = bg = np.zeros(prob[k].shape, np.uint8)
        else:
            fg, bg = simulate_clicks(prob[k], labels[k].cpu().numpy(), rng)
        rows.append(rnet_input(image, prob[k], fg, bg, spacings[k].tolist(), config.get("lambda", 1)))
    return torch.from_numpy(np.stack(rows)).to(images.device)


def warm_start(rnet, pnet):
    """R-Net from the P-Net's weights; the three extra input channels start at zero."""
    src = pnet.state_dict()
    with torch.no_grad():
        for key, t in rnet.state_dict().items():
            if key == "block1.0.weight":
                t.zero_()
                t[:, : src[key].shape[1]] = src[key]
            else:
                t.copy_(src[key])


def hard_dice(pred, truth):
    inter = float((pred & truth).sum())
    total = float(pred.sum() + truth.sum())
    return 1.0 if total == 0 else 2 * inter / total


class Run:
    """One training run (all ranks): data, networks, optimiser, the loop, checkpoints, logs."""

    def __init__(self, args, d):
        self.args, self.d = args, d
        self.config, self.total = build_config(args)
        self.net_kind = args.net
        self.out = args.out
        self.patch, self.width = cfg.sizes(self.config)
        self.log = (lambda m: print(m, file=sys.stderr, flush=True)) if d.rank == 0 else (lambda m: None)

    def check_cases(self, refs):
        """Every case is read once, split over the ranks; any dataset error stops all ranks with
        one message from rank 0. Returns the image channel count."""
        d, prep = self.d, self.config["preprocess"]
        problem, channels = None, {}
        for i in range(d.rank, len(refs), d.world):
            try:
                channels[refs[i]["id"]] = load_case(refs[i], prep)["image"].shape[0]
            except DatasetError as e:
                problem = (i, str(e))
                break
        found = [None] * d.world
        if d.active:
            dist.all_gather_object(found, (problem, channels))
        else:
            found = [(problem, channels)]
        problems = sorted(p for p, _ in found if p is not None)
        if problems:
            raise DatasetError(problems[0][1])
        counts = {}
        for _, ch in found:
            counts.update(ch)
        distinct = sorted(set(counts.values()))
        if len(distinct) != 1:
            raise cfg.ConfigError(f"cases have different channel counts: {', '.join(f'{k}: {v}' for k, v in sorted(counts.items()))}")
        return distinct[0]

    def prepare(self):
        c = self.config
        refs = dataset_cases(c["data"])
        train_refs, val_refs = split_cases(refs, c["seed"], c["data"]["validationFraction"], c["data"].get("validationCases"))
        if not train_refs:
            raise cfg.ConfigError(f"no training cases left after the validation split ({len(refs)} cases)")
        if c["batch"] % self.d.world:
            raise UsageError(f"the global batch ({c['batch']}) must be a multiple of the number of processes ({self.d.world})")
        self.image_channels = self.check_cases(train_refs + val_refs)
        self.log(f"dataset: {len(refs)} cases ({len(train_refs)} train, {len(val_refs)} validation)")
        self.train_cases = CaseCache(train_refs, c["preprocess"], c["cacheCases"])
        # Validation runs on rank 0 only: the others never load validation cases.
        val_cases = []
        if self.d.rank == 0:
            val_cache = CaseCache(val_refs, c["preprocess"], 1) if val_refs else self.train_cases
            val_cases = [val_cache.get(i) for i in range(min(len(val_cache), c["validationSamples"] if val_refs else 4))]
        self.val = validation_samples(val_cases, c, self.patch, c["seed"])
        self.pnet = None
        if self.net_kind == "rnet":
            pconfig, self.pnet = load_net(c["pnet"], "--pnet")
            if pconfig.get("dim") != c["dim"]:
                raise UsageError(f"rnet --dim {c['dim']} differs from the P-Net's dim {pconfig.get('dim')}")
            pin = self.pnet.state_dict()["block1.0.weight"].shape[1]
            if pin != self.image_channels:
                raise UsageError(f"--pnet {c['pnet']} takes {pin} image channel(s), the data has {self.image_channels}")
            self.pnet.to(self.d.device).eval()
            for p in self.pnet.parameters():
                p.requires_grad_(False)
        in_channels = self.image_channels + (3 if self.net_kind == "rnet" else 0)
        torch.manual_seed(c["seed"] + 3)
        self.net = create_net(c["dim"], in_channels, self.width, c["dropout"])
        if self.net_kind == "pnet" and self.args.pnet and not self.args.resume:
            pconfig, init = load_net(self.args.pnet, "--pnet")
            if pconfig.get("dim") != c["dim"] or init.state_dict()["block1.0.weight"].shape != self.net.state_dict()["block1.0.weight"].shape:
                raise UsageError(f"--pnet {self.args.pnet} is a {pconfig.get('dim')}D net of another width or channel count; pass matching --dim/--channels")
            self.net.load_state_dict(init.state_dict())
            self.log(f"fine-tuning the P-Net in {self.args.pnet}")
        elif self.net_kind == "rnet" and c.get("initFromPNet"):
            warm_start(self.net, self.pnet)
        self.net.to(self.d.device)
        self.optimizer = torch.optim.Adam(self.net.parameters(), lr=c["learningRate"], eps=1e-7)
        self.step, self.best, self.best_step = 0, -1.0, -1
        if self.args.resume:
            self.restore()
        if self.net_kind == "rnet":  # fixed validation inputs, encoded once
            self.val = [self.encode_validation(k, s) for k, s in enumerate(self.val)]

    def encode_validation(self, k, sample):
        image, label, spacing = sample
        x = torch.from_numpy(image[None]).to(self.d.device)
        y = torch.from_numpy(label[None].astype(np.int64))
        return rnet_batch(self.pnet, x, y, torch.tensor([spacing]), [-1 - k], self.config, perturb=False)[0].cpu().numpy(), label, spacing

    def restore(self):
        ckpt = os.path.join(self.out, "checkpoint")
        pt = os.path.join(ckpt, "checkpoint.pt")
        if os.path.exists(pt):
            state = torch.load(pt, map_location=self.d.device)
            self.net.load_state_dict(state["model"])
            self.optimizer.load_state_dict(state["optimizer"])
            self.step, self.best, self.best_step = state["step"], state["best_dice"], state["best_step"]
        elif os.path.exists(os.path.join(ckpt, "state.json")) and os.path.exists(os.path.join(ckpt, "model.json")):
            # A run of the JavaScript CLI: continue from its weights and step count (Adam restarts).
            state = read_tfjs_state(ckpt)
            self.net.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()})
            js = json.load(open(os.path.join(ckpt, "state.json")))
            self.step, self.best, self.best_step = js["step"], js.get("bestDice", -1.0), js.get("bestStep", -1)
            self.log(f"fine-tuning the JavaScript run in {self.out} from step {self.step} (Adam state starts afresh)")
        else:
            raise UsageError(f"--resume: {self.out} has no checkpoint (expected {pt})")
        if self.step >= self.total:
            raise UsageError(f"--resume: the run in {self.out} is at step {self.step}; pass --steps N with N > {self.step}")

    def save_checkpoint(self):
        state = {"model": self.net.state_dict(), "optimizer": self.optimizer.state_dict(), "step": self.step,
                 "best_dice": self.best, "best_step": self.best_step}
        summary = {"step": self.step, "bestDice": self.best, "bestStep": self.best_step, "totalSteps": self.total}

        def fill(tmp):
            torch.save(state, os.path.join(tmp, "checkpoint.pt"))
            json.dump(summary, open(os.path.join(tmp, "state.json"), "w"))

        write_dir_atomically(os.path.join(self.out, "checkpoint"), fill)

    def validate(self):
        """Rank 0: global Dice over the fixed validation samples; keeps `best`."""
        self.net.eval()
        inter = total = 0
        with torch.no_grad():
            for image, label, _ in self.val:
                pred = probabilities(self.net, torch.from_numpy(np.ascontiguousarray(image)[None]).to(self.d.device), self.config["dim"])[0].cpu().numpy() > 0.5
                inter += float((pred & (label > 0)).sum())
                total += float(pred.sum() + (label > 0).sum())
        self.net.train()
        dice = 1.0 if total == 0 else 2 * inter / total
        epoch = math.ceil(self.step / self.config["stepsPerEpoch"])
        append_metrics(self.metrics, {"step": self.step, "epoch": epoch, "val_dice": dice, "time": int(time.time() * 1000)})
        self.tb.scalar("val/dice", dice, self.step)
        if dice > self.best:
            self.best, self.best_step = dice, self.step
            write_model_folder(os.path.join(self.out, "best"), self.net)
        return dice

    def train(self):
        c, d = self.config, self.d
        per_rank = c["batch"] // d.world
        first = self.step
        data = Samples(self.train_cases, c, self.patch, first * c["batch"], (self.total - first) * c["batch"])
        sampler = DistributedSampler(data, num_replicas=d.world, rank=d.rank, shuffle=False)
        loader = DataLoader(data, batch_size=per_rank, sampler=sampler, num_workers=int(os.environ.get("DEEPIGEOS_TORCH_WORKERS", "0")))
        model = DistributedDataParallel(self.net) if d.active else self.net
        self.metrics = os.path.join(self.out, "metrics.jsonl")
        if d.rank == 0:
            os.makedirs(self.out, exist_ok=True)
            if not self.args.resume:
                with open(os.path.join(self.out, "config.json"), "w") as f:
                    json.dump(c, f, indent=2)
                    f.write("\n")
            self.tb = EventWriter(os.path.join(os.path.abspath(c["logDir"]), os.path.basename(os.path.abspath(self.out))))
        params = sum(p.numel() for p in self.net.parameters())
        self.log(f"{self.net_kind} {c['dim']}D: {params} parameters, {d.world} process(es) on {d.device.type}, global batch {c['batch']}, steps {self.step}..{self.total}")
        self.net.train()
        started, samples = time.time(), 0
        for images, labels, spacings, gids in loader:
            images, labels = images.to(d.device), labels.to(d.device)
            if self.pnet is not None:
                images = rnet_batch(self.pnet, images, labels, spacings, gids, c)
            # Dropout masks depend on the step and rank only: a resumed run repeats them exactly.
            torch.manual_seed(c["seed"] * 1_000_003 + self.step * d.world + d.rank)
            loss = segmentation_loss(forward(model, images, c["dim"]), labels, c["loss"])
            self.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            self.optimizer.step()
            samples += images.shape[0] * d.world
            self.step += 1
            value = loss.detach()
            if d.active:
                dist.all_reduce(value)
                value /= d.world
            if d.rank == 0:
                epoch = math.ceil(self.step / c["stepsPerEpoch"])
                append_metrics(self.metrics, {"step": self.step, "epoch": epoch, "loss": float(value), "time": int(time.time() * 1000)})
                self.tb.scalar("train/loss", float(value), self.step)
                rate = samples / max(time.time() - started, 1e-9)
                self.log(f"step {self.step}/{self.total} loss {float(value):.4f} ({rate:.2f} samples/s)")
            if self.step % c["stepsPerEpoch"] == 0 or self.step == self.total:
                if d.rank == 0:
                    dice = self.validate()
                    self.save_checkpoint()
                    self.log(f"step {self.step}: validation Dice {dice:.4f} (best {self.best:.4f} at step {self.best_step})")
                d.barrier()
        if d.rank == 0:
            write_model_folder(os.path.join(self.out, "model"), self.net)
            self.tb.close()
            self.log(f"done: {self.step} steps, {samples / max(time.time() - started, 1e-9):.2f} samples/s, best validation Dice {self.best:.4f}; wrote {self.out}")
        self.check_replicas()

    def check_replicas(self):
        """All ranks must hold the same weights (DDP keeps them in sync); a dump for tests."""
        flat = torch.cat([p.detach().reshape(-1).double().cpu() for p in self.net.parameters()])
        dump = os.environ.get("DEEPIGEOS_TORCH_RANK_DUMP")
        if dump:
            os.makedirs(dump, exist_ok=True)
            write_safetensors(os.path.join(dump, f"rank{self.d.rank}.safetensors"), {k: v.detach().cpu().numpy() for k, v in self.net.state_dict().items()})
        if self.d.active:
            sums = [torch.zeros(2, dtype=torch.float64) for _ in range(self.d.world)]
            dist.all_gather(sums, torch.stack([flat.sum(), (flat * flat).sum()]))
            if any(not torch.equal(s, sums[0]) for s in sums):
                raise RuntimeError(f"ranks hold different weights after training: {[s.tolist() for s in sums]}")


def main(argv=None):
    d = Distributed()
    try:
        args = parse_args(argv)
        torch.set_num_threads(int(os.environ.get("DEEPIGEOS_TORCH_THREADS", "0")) or torch.get_num_threads())
        run = Run(args, d)
        d.start()
        run.prepare()
        run.train()
    except EXPECTED as e:
        # Every rank meets the same error (each reads the same data); rank 0 says so once.
        if d.rank == 0:
            print(f"train.py: error: {e}", file=sys.stderr, flush=True)
        return 1
    finally:
        d.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
