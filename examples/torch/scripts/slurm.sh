#!/bin/bash
# Multi-node training on a Slurm cluster: one torchrun per node, each starting one process per GPU,
# meeting at a c10d rendezvous on the first node of the allocation.
#
#   sbatch examples/torch/scripts/slurm.sh pnet --dim 3 --out runs/pnet3d --config brats.json
#
#SBATCH --job-name=deepigeos-ddp
#SBATCH --nodes=2
#SBATCH --ntasks-per-node=1
#SBATCH --gpus-per-node=4
#SBATCH --cpus-per-task=16
#SBATCH --time=12:00:00
#SBATCH --output=%x-%j.out
set -euo pipefail

head_node=$(scontrol show hostnames "$SLURM_JOB_NODELIST" | head -n 1)
export OMP_NUM_THREADS=$((SLURM_CPUS_PER_TASK / SLURM_GPUS_PER_NODE))

# --rdzv_id: one rendezvous per job; rerunning the same command with --resume after a preemption
# continues from the last checkpoint (written by rank 0 after every epoch).
srun torchrun \
  --nnodes "$SLURM_NNODES" \
  --nproc_per_node "$SLURM_GPUS_PER_NODE" \
  --rdzv_id "$SLURM_JOB_ID" \
  --rdzv_backend c10d \
  --rdzv_endpoint "$head_node:29500" \
  examples/torch/train.py "$@"
