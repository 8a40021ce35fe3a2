"""Command line of the kick generator.

python -m gpu_worker generate --prompt "punchy 909" --seed 7 -n 4 --out kicks/
python -m gpu_worker publish --repo-id OWNER/NAME [--path FOLDER]
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from pathlib import Path

import torch
from tqdm import tqdm

from gpu_worker.pipeline import KickPipeline
from gpu_worker.protocol import ProgressEvent, Stage
from gpu_worker.publish import add_publish_parser


def add_generate_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("generate", help="generate kicks into WAV files")
    parser.add_argument(
        "--prompt",
        default=None,
        help="keywords, e.g. 'punchy 909' (default: the model's own default prompt)",
    )
    parser.add_argument("--seed", type=int, default=None, help="first seed (random if omitted)")
    parser.add_argument("-n", "--num-kicks", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path("kicks"), help="output folder")
    parser.add_argument(
        "--model", default=None, help="model folder or Hub repo id (default: shipped weights)"
    )
    parser.add_argument("--cache-dir", type=Path, default=None, help="Hub download cache")
    parser.add_argument("--steps", type=int, default=None, help="DDIM steps (model default)")
    parser.add_argument("--guidance", type=float, default=None, help="guidance (model default)")
    parser.add_argument("--device", default=None, help="cpu, cuda, cuda:1 ... (default: auto)")
    parser.add_argument("--threads", type=int, default=None, help="CPU threads for torch")
    parser.set_defaults(handler=generate)


def generate(args: argparse.Namespace) -> int:
    if args.threads:
        torch.set_num_threads(args.threads)
    pipeline = KickPipeline.from_pretrained(
        args.model, device=args.device, cache_dir=args.cache_dir
    )
    with tqdm(total=0, unit="step", desc="loading", leave=False) as bar:

        def on_progress(event: ProgressEvent) -> None:
            if event.stage is Stage.SAMPLING:
                bar.total = event.total_steps
                bar.n = event.step
            bar.set_description(event.stage.value.lower())
            bar.refresh()

        kicks = pipeline.generate(
            args.prompt,
            seed=args.seed,
            num_kicks=args.num_kicks,
            steps=args.steps,
            guidance=args.guidance,
            on_progress=on_progress,
        )
    args.out.mkdir(parents=True, exist_ok=True)
    prompt = pipeline.config.default_prompt if args.prompt is None else args.prompt
    slug = "-".join(re.findall(r"[a-z0-9]+", prompt.lower())) or "kick"
    for kick in kicks:
        path = args.out / f"{slug}-{kick.seed}.wav"
        path.write_bytes(kick.wav)
        ignored = f"  ignored: {' '.join(kick.ignored_words)}" if kick.ignored_words else ""
        print(f"{path}  seed {kick.seed}  keywords: {' '.join(kick.keywords) or '-'}{ignored}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gpu_worker", description=__doc__)
    subparsers = parser.add_subparsers(required=True, metavar="COMMAND")
    add_generate_parser(subparsers)
    add_publish_parser(subparsers)
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except ValueError as error:  # bad arguments, missing or invalid weights, unusable output
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
