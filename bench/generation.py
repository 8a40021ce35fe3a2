"""Kick generation benchmark: our pipeline against a pipeline of the original's shape, same run.

    nice .venv/bin/python bench/generation.py [--threads 2] [--runs 20] [--model PATH_OR_HUB_ID]
    nice .venv/bin/python bench/generation.py --only-load [--rounds 3] [--kicks 4]
    nice .venv/bin/python bench/generation.py --only-previews [--runs 20]

First, the local CPU worker as the server runs it (`kicks.workers`: the real LocalWorker on its
thread pool, configured like the server by environment) with one and with two members
generating at once, on a calm machine and beside a bounded background load of two busy
processes: p50/p95 seconds per kick (queueing included) for today's settings and the shipped
defaults (KICKS_TORCH_THREADS, KICKS_WORKER_THREADS), interleaved in the same run.

Then, per device (CPU with --threads threads; CUDA when present): p50/p95 seconds per kick at
batch 1, throughput at batch 16 (and 256 on CUDA), a per-stage breakdown, and the ratios to the
baseline, and what live previews cost (gpu_worker.preview); then peak memory (RSS) of a
process holding each loaded pipeline after one kick, and, when trained weights exist, how far
fewer DDIM steps move the kick from a 100-step reference.

The baseline is the original author's shape, built here with random weights (speed does not
depend on the weights): a ~5.9M-parameter U-Net run twice per step (unbatched classifier-free
guidance) for 50 DDIM steps, and a ~3.7M-parameter HiFi-GAN vocoder (upsampling 8-8-2-2-2,
multi-receptive-field blocks with kernels 3/7/11), with our VAE decoder and post-processing.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gpu_worker import DEFAULT_MODEL_PATH  # noqa: E402
from gpu_worker.audio import LogMelSpectrogram, decode_wav, deliver  # noqa: E402
from gpu_worker.config import ModelConfig, UNetConfig  # noqa: E402
from gpu_worker.models import UNet  # noqa: E402
from gpu_worker.pipeline import KickPipeline, preview_steps  # noqa: E402

T = TypeVar("T")
# One fixed prompt for every pipeline timed, the original's shape included: the words do not change
# the work.
PROMPT = "hit house"
RANDOM_VOCAB = ["hit", "house", "punchy", "909", "808", "long", "short", "deep", "tight", "techno"]
BASELINE_UNET = UNetConfig(channels=(64, 128, 216), embedding_dim=256)
BASELINE_STEPS = 50
BASELINE_GUIDANCE = 3.0
STEP_COUNTS = [10, 15, 20, 25, 30, 50]


class _HiFiGANResBlock(nn.Module):
    def __init__(self, channels: int, kernel_size: int, dilations: tuple[int, ...] = (1, 3, 5)):
        super().__init__()
        self.dilated = nn.ModuleList(
            nn.Conv1d(
                channels, channels, kernel_size, dilation=d, padding=d * (kernel_size - 1) // 2
            )
            for d in dilations
        )
        self.plain = nn.ModuleList(
            nn.Conv1d(channels, channels, kernel_size, padding=(kernel_size - 1) // 2)
            for _ in dilations
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for dilated, plain in zip(self.dilated, self.plain, strict=True):
            x = x + plain(F.leaky_relu(dilated(F.leaky_relu(x, 0.1)), 0.1))
        return x


class HiFiGANGenerator(nn.Module):
    """HiFi-GAN V1 generator layout (Kong et al. 2020) for hop 512, at the original's size."""

    def __init__(self, n_mels: int = 128, initial_channels: int = 256) -> None:
        super().__init__()
        rates = (8, 8, 2, 2, 2)
        self.conv_pre = nn.Conv1d(n_mels, initial_channels, 7, padding=3)
        self.ups = nn.ModuleList()
        self.resblocks = nn.ModuleList()
        channels = initial_channels
        for rate in rates:
            self.ups.append(
                nn.ConvTranspose1d(channels, channels // 2, 2 * rate, rate, padding=rate // 2)
            )
            channels //= 2
            self.resblocks.append(nn.ModuleList(_HiFiGANResBlock(channels, k) for k in (3, 7, 11)))
        self.conv_post = nn.Conv1d(channels, 1, 7, padding=3)

    def forward(self, mel: torch.Tensor) -> torch.Tensor:
        x = self.conv_pre(mel)
        for up, blocks in zip(self.ups, self.resblocks, strict=True):
            x = up(F.leaky_relu(x, 0.1))
            x = sum(block(x) for block in blocks) / len(blocks)
        return torch.tanh(self.conv_post(F.leaky_relu(x))).squeeze(1)


class BaselinePipeline:
    """The original's inference path: two U-Net calls per DDIM step, HiFi-GAN vocoder."""

    def __init__(self, ours: KickPipeline, device: torch.device) -> None:
        torch.manual_seed(0)
        config = ours.config
        self.ours = ours
        self.config = config
        self.unet = UNet(BASELINE_UNET, config.vae.latent_channels, config.keywords.embedding_dim)
        self.vocoder = HiFiGANGenerator(config.audio.n_mels)
        for module in (self.unet, self.vocoder):
            module.to(device).eval().requires_grad_(False)
        self.device = device

    def parameter_counts(self) -> dict[str, int]:
        return {
            "unet": sum(p.numel() for p in self.unet.parameters()),
            "vocoder": sum(p.numel() for p in self.vocoder.parameters()),
        }

    def sample_latents(self, seeds: list[int]) -> torch.Tensor:
        ours = self.ours
        latents = ours.initial_noise(seeds)
        conditional = ours.keyword_embedding(ours.vocabulary.tokenize(PROMPT).ids)
        unconditional = ours.keyword_embedding(())
        sampler = ours._sampler
        timesteps = sampler.timesteps(BASELINE_STEPS)
        batch = latents.shape[0]
        for index, timestep in enumerate(timesteps):
            previous = timesteps[index + 1] if index + 1 < len(timesteps) else -1
            t = torch.full((batch,), timestep, device=self.device)
            cond = self.unet(latents, t, conditional.expand(batch, -1))
            uncond = self.unet(latents, t, unconditional.expand(batch, -1))
            prediction = uncond + BASELINE_GUIDANCE * (cond - uncond)
            latents = sampler.step(prediction, timestep, previous, latents)
        return latents


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _timed(function: Callable[[], T], device: torch.device) -> tuple[float, T]:
    _sync(device)
    start = time.perf_counter()
    result = function()
    _sync(device)
    return time.perf_counter() - start, result


def _time(function: Callable[[], object], device: torch.device) -> float:
    return _timed(function, device)[0]


def _process_time(function: Callable[[], object]) -> float:
    """CPU seconds of all this process's threads: on a machine shared with other jobs this is
    a steadier estimate of the unshared latency than wall time (exact with one thread)."""
    start = time.process_time()
    function()
    return time.process_time() - start


STAGES = ("sampling", "decoding", "vocoding", "post")


def _stage_timings(
    sample: Callable[[], torch.Tensor],
    decode: Callable[[torch.Tensor], torch.Tensor],
    vocode: Callable[[torch.Tensor], torch.Tensor],
    pipeline: KickPipeline,
) -> tuple[float, ...]:
    device = pipeline.device
    with torch.inference_mode():
        sampling, latents = _timed(sample, device)
        decoding, mel = _timed(lambda: decode(latents), device)
        vocoding, audio = _timed(lambda: vocode(mel), device)
        post = _time(lambda: _post(audio, pipeline), device)
    return sampling, decoding, vocoding, post


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def _post(audio: torch.Tensor, pipeline: KickPipeline) -> list[bytes]:
    return deliver(audio, pipeline.config.audio)


def measure_ours(
    pipeline: KickPipeline, runs: int, batch_sizes: list[int], steps: int | None = None
) -> dict[str, float]:
    """The model's default sampler, or with ``steps`` the guided DDIM of its U-Net."""
    device = pipeline.device
    ids = pipeline.vocabulary.tokenize(PROMPT).ids
    sampling = pipeline.sampling(steps)

    def kicks(seed: int, count: int = 1) -> object:
        return pipeline.generate(PROMPT, seed=seed, num_kicks=count, steps=steps)

    for seed in range(2):
        kicks(seed)
    latencies = [_time(lambda s=seed: kicks(s), device) for seed in range(runs)]
    cpu_times = [_process_time(lambda s=seed: kicks(s)) for seed in range(runs)]
    timings = [
        _stage_timings(
            lambda s=seed: pipeline.sample_latents(ids, [s], sampling),
            pipeline.decode,
            pipeline.vocode,
            pipeline,
        )
        for seed in range(max(3, runs // 2))
    ]
    result = {
        "p50": statistics.median(latencies),
        "p95": _percentile(latencies, 0.95),
        "cpu": statistics.median(cpu_times),
        **{name: statistics.median(t[i] for t in timings) for i, name in enumerate(STAGES)},
    }
    for batch in batch_sizes:
        kicks(0, batch)
        seconds = min(_time(lambda b=batch: kicks(0, b), device) for _ in range(3))
        result[f"throughput@{batch}"] = batch / seconds
        # The host's share of a batched call: post-processing, one copy back, a WAV per kick.
        audio = 0.1 * torch.randn(batch, pipeline.config.audio.num_samples, device=device)
        delivery = min(_time(lambda a=audio: _post(a, pipeline), device) for _ in range(3))
        result[f"delivery@{batch}"] = delivery / batch
    return result


def measure_baseline(
    baseline: BaselinePipeline, runs: int, batch_sizes: list[int]
) -> dict[str, float]:
    ours = baseline.ours

    def kick(seeds: list[int]) -> tuple[float, ...]:
        return _stage_timings(
            lambda: baseline.sample_latents(seeds), ours.decode, baseline.vocoder, ours
        )

    kick([0])
    timings = [kick([seed]) for seed in range(runs)]
    totals = [sum(t) for t in timings]
    cpu_times = [_process_time(lambda s=seed: kick([s])) for seed in range(runs)]
    result = {
        "p50": statistics.median(totals),
        "p95": _percentile(totals, 0.95),
        "cpu": statistics.median(cpu_times),
        **{name: statistics.median(t[i] for t in timings) for i, name in enumerate(STAGES)},
    }
    for batch in batch_sizes:
        seconds = sum(kick(list(range(batch))))
        result[f"throughput@{batch}"] = batch / seconds
    return result


def quality_versus_steps(
    pipeline: KickPipeline, steps_list: list[int], seeds: int
) -> tuple[list[tuple[int, float]], float]:
    """Mean absolute log-mel difference (normalised units) between kicks at N steps and the same
    seeds at 100 steps, over three prompts: how much the shortcut changes the kick. Returned
    with the same distance between kicks of neighbouring seeds at 100 steps, the scale of the
    model's own variety, for reading the numbers."""
    analysis = LogMelSpectrogram(pipeline.config.audio)
    prompts = [PROMPT, "punchy 909", "long deep 808"]

    def mels(steps: int) -> torch.Tensor:
        kicks = [
            kick.wav
            for prompt in prompts
            for kick in pipeline.generate(prompt, seed=0, num_kicks=seeds, steps=steps)
        ]
        audio = torch.stack([torch.from_numpy(decode_wav(data)[0]) for data in kicks])
        return analysis(audio)

    reference = mels(100)
    by_prompt = reference.view(len(prompts), seeds, *reference.shape[1:])
    variety = float((by_prompt[:, 1:] - by_prompt[:, :-1]).abs().mean())
    distances = [(steps, float((mels(steps) - reference).abs().mean())) for steps in steps_list]
    return distances, variety


def frechet_versus_steps(
    pipeline: KickPipeline, data_folder: Path, steps_list: list[int]
) -> tuple[list[tuple[int, float]], float]:
    """Fréchet distance (the training issue's evaluation: log-mel statistics) between held-out
    kicks and kicks generated with each held-out kick's keywords as the prompt, per step count;
    returned with the training-vs-held-out distance, the floor."""
    import numpy as np

    from gpu_worker.data import load_dataset
    from gpu_worker.evaluate import EvaluationSettings, generate_matched, held_out_reference
    from gpu_worker.metrics import frechet_distance, log_mel_statistics

    data = load_dataset(data_folder)
    held_out = data.split(held_out=True)
    held_features, floor = held_out_reference(data, pipeline.config.audio)
    table = []
    for steps in steps_list:
        settings = EvaluationSettings(steps=steps)
        kicks = generate_matched(pipeline, held_out, len(held_out), settings)
        features = log_mel_statistics(np.stack(kicks), pipeline.config.audio)
        table.append((steps, frechet_distance(features, held_features)))
    return table, floor.distance


def _memory_probe(kind: str, model: str | None, threads: int) -> None:
    """Runs in a child process: load, generate one kick, print peak and anonymous RSS in MiB."""
    torch.set_num_threads(threads)
    if kind != "bare":
        pipeline = _load(model, torch.device("cpu"))[0]
        if kind == "ours":
            pipeline.generate(PROMPT, seed=0)
        else:
            baseline = BaselinePipeline(pipeline, torch.device("cpu"))
            with torch.inference_mode():
                audio = baseline.vocoder(pipeline.decode(baseline.sample_latents([0])))
            _post(audio, pipeline)
    status = dict(
        line.split(":", 1)
        for line in Path("/proc/self/status").read_text().splitlines()
        if ":" in line
    )
    print(json.dumps({key: int(status[key].split()[0]) / 1024 for key in ("VmHWM", "RssAnon")}))


def _probe(kind: str, model: str | None, threads: int) -> dict[str, float]:
    command = [sys.executable, __file__, "--memory-probe", kind, "--threads", str(threads)]
    if model:
        command += ["--model", model]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def _load(model: str | None, device: torch.device) -> tuple[KickPipeline, str]:
    if model is not None or DEFAULT_MODEL_PATH.is_dir():
        return KickPipeline.from_pretrained(
            model, device=device
        ), f"trained ({model or DEFAULT_MODEL_PATH.name})"
    config = ModelConfig()
    return KickPipeline.from_config(
        config, RANDOM_VOCAB, device=device
    ), "random init (no shipped weights yet)"


def _print_table(title: str, rows: list[tuple[str, ...]]) -> None:
    print(f"\n### {title}\n")
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for index, row in enumerate(rows):
        print(
            "| "
            + " | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
            + " |"
        )
        if index == 0:
            print("|" + "|".join("-" * (width + 2) for width in widths) + "|")


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def latency_versus_steps(
    pipeline: KickPipeline, steps_list: list[int], runs: int
) -> list[tuple[int, float, float]]:
    """p50 wall and CPU seconds per kick at batch 1 for each step count."""
    device = pipeline.device
    table = []
    for steps in steps_list:
        pipeline.generate(PROMPT, seed=0, steps=steps)
        wall = [
            _time(lambda s=seed, n=steps: pipeline.generate(PROMPT, seed=s, steps=n), device)
            for seed in range(runs)
        ]
        cpu = [
            _process_time(lambda s=seed, n=steps: pipeline.generate(PROMPT, seed=s, steps=n))
            for seed in range(runs)
        ]
        table.append((steps, statistics.median(wall), statistics.median(cpu)))
    return table


@dataclass(frozen=True)
class WorkerSettings:
    name: str
    # Environment of the server process; None leaves a setting to backend/settings.py's default.
    torch_threads: int | None
    pool: int | None


WORKER_SETTINGS = (
    # Before the load measurements: torch's default of one thread per core, two generations.
    WorkerSettings("today", torch_threads=0, pool=2),
    WorkerSettings("shipped defaults", torch_threads=None, pool=None),
)
BACKGROUND_LOADS = (0, 2)
# A load process never outlives this, even if the benchmark is killed before it can stop them.
LOAD_MAX_S = 900
_SPIN = (
    "import sys, time\nend = time.monotonic() + float(sys.argv[1])\n"
    "while time.monotonic() < end: pass"
)


def _worker_probe(members: int, kicks: int) -> None:
    """Runs in a child process configured by environment like the server: the first kick (model
    load included), then `members` clients each asking for `kicks` kicks one after another
    through the server's worker pool. Prints the settings in force and the seconds per kick."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
    import django

    django.setup()
    from django.conf import settings

    from gpu_worker.protocol import KickRequest
    from kicks.workers import configured_worker, worker_executor

    worker = configured_worker()

    def kick(seed: int) -> float:
        started = time.perf_counter()
        request = KickRequest(PROMPT, seed)
        worker_executor().submit(worker.generate, request, lambda progress: None).result()
        return time.perf_counter() - started

    first = kick(0)

    def member(index: int) -> list[float]:
        return [kick(1 + index * kicks + n) for n in range(kicks)]

    with ThreadPoolExecutor(members) as clients:
        latencies = [seconds for run in clients.map(member, range(members)) for seconds in run]
    print(
        json.dumps(
            {
                "torch_threads": torch.get_num_threads(),
                "pool": settings.KICKS_WORKER_THREADS,
                "first": first,
                "latencies": latencies,
                "loadavg": os.getloadavg()[0],
            }
        )
    )


def _run_worker_probe(
    worker: WorkerSettings, load: int, members: int, kicks: int, model: str | None
) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"KICKS_TORCH_THREADS", "KICKS_WORKER_THREADS", "DATABASE_URL", "REDIS_URL"}
    }
    env |= {"DEBUG": "1", "KICKS_WORKER": "local", "KICK_MODEL_DEVICE": "cpu"}
    if model:
        env["KICK_MODEL"] = model
    if worker.torch_threads is not None:
        env["KICKS_TORCH_THREADS"] = str(worker.torch_threads)
    if worker.pool is not None:
        env["KICKS_WORKER_THREADS"] = str(worker.pool)
    command = [sys.executable, __file__, "--worker-probe", "--members", str(members)]
    command += ["--kicks", str(kicks)]
    spinners = [
        subprocess.Popen([sys.executable, "-c", _SPIN, str(LOAD_MAX_S)]) for _ in range(load)
    ]
    try:
        with tempfile.TemporaryDirectory() as var_dir:
            env["VAR_DIR"] = var_dir
            output = subprocess.run(
                command, check=True, capture_output=True, text=True, env=env, timeout=LOAD_MAX_S
            ).stdout
    finally:
        for spinner in spinners:
            spinner.kill()
            spinner.wait()
    return json.loads(output.strip().splitlines()[-1])


def worker_under_load(model: str | None, rounds: int, kicks: int) -> None:
    """Today's worker settings against the shipped defaults, calm and beside two busy
    processes, with one and two members; every cell is run once per round, interleaved, so
    that the machine's other work falls on all of them alike."""
    cells = [
        (worker, load, members)
        for members in (1, 2)
        for load in BACKGROUND_LOADS
        for worker in WORKER_SETTINGS
    ]
    runs: dict[tuple[WorkerSettings, int, int], list[dict]] = {cell: [] for cell in cells}
    for _ in range(rounds):
        for cell in cells:
            runs[cell].append(_run_worker_probe(*cell, kicks, model))
    rows = [
        (
            "worker settings",
            "background load",
            "members at once",
            "kicks",
            "p50 per kick",
            "p95 per kick",
            "first kick (model load)",
            "p95 / calm p50",
            "load avg (1 min)",
        )
    ]
    for worker, load, members in cells:
        results = runs[(worker, load, members)]
        latencies = [seconds for result in results for seconds in result["latencies"]]
        calm = [s for r in runs[(worker, 0, 1)] for s in r["latencies"]]
        p95 = _percentile(latencies, 0.95)
        rows.append(
            (
                f"{worker.name}: {results[0]['torch_threads']} torch thread(s), "
                f"pool {results[0]['pool']}",
                f"{load} busy processes" if load else "none",
                str(members),
                str(len(latencies)),
                _ms(statistics.median(latencies)),
                _ms(p95),
                _ms(statistics.median(result["first"] for result in results)),
                f"{p95 / statistics.median(calm):.1f}x",
                f"{statistics.mean(result['loadavg'] for result in results):.1f}",
            )
        )
    _print_table(
        "Local CPU worker under load (seconds per kick from request to WAV, queueing included; "
        "target: p95 under load <= 3x the calm p50)",
        rows,
    )


def preview_cost(pipeline: KickPipeline, runs: int) -> None:
    """What live previews add to a kick (interleaved with kicks without them), and how close a
    preview is to the full VAE decode of the same latent, on generated kicks."""
    import numpy as np

    from gpu_worker.preview import picture_of

    started = time.perf_counter()
    # Fits the readout.
    pipeline.preview(torch.zeros(1, *pipeline.models.vae.latent_shape, device=pipeline.device))
    fit_s = time.perf_counter() - started
    plain, previewed = [], []
    for seed in range(runs):
        plain.append(_time(lambda seed=seed: pipeline.generate(PROMPT, seed=seed), pipeline.device))
        previewed.append(
            _time(
                lambda seed=seed: pipeline.generate(
                    PROMPT, seed=seed, previews=True, on_progress=lambda event: None
                ),
                pipeline.device,
            )
        )
    ids = pipeline.vocabulary.tokenize(PROMPT).ids
    differences, one_preview = [], []
    with torch.inference_mode():
        for seed in range(min(runs, 8)):
            latent = pipeline.sample_latents(ids, [seed], pipeline.sampling())
            one_preview.append(
                _time(lambda latent=latent: pipeline.preview(latent), pipeline.device)
            )
            preview = np.frombuffer(pipeline.preview(latent).pixels, np.uint8).astype(float)
            full = np.frombuffer(picture_of(pipeline.decode(latent)[0]).pixels, np.uint8)
            differences.append(float(np.abs(preview - full).mean()))
    without, with_previews = statistics.median(plain), statistics.median(previewed)
    previews = len(preview_steps(pipeline.sampling().steps))
    _print_table(
        f"Live previews, batch 1, {torch.get_num_threads()} threads ({pipeline.device.type})",
        [
            ("metric", "value", "", ""),
            ("p50 per kick without previews", _ms(without), "", ""),
            (
                f"p50 per kick with previews ({previews} + the final decode)",
                _ms(with_previews),
                f"+{with_previews / without - 1:.1%}",
                "target <= +10%",
            ),
            ("one preview, p50", _ms(statistics.median(one_preview)), "", ""),
            (
                "preview vs full VAE decode, mean |difference|",
                f"{statistics.mean(differences):.1f} of 255",
                "",
                "",
            ),
            ("fitting the readout (first preview only)", _ms(fit_s), "", ""),
        ],
    )


def run_device(device: torch.device, args: argparse.Namespace) -> None:
    pipeline, weights = _load(args.model, device)
    if args.compile:
        pipeline.compile()
    baseline = BaselinePipeline(pipeline, device)
    batch_sizes = [16, 256] if device.type == "cuda" else [16]
    config = pipeline.config
    sampling = pipeline.sampling()
    columns = {"ours": measure_ours(pipeline, args.runs, batch_sizes)}
    if sampling.sampler == "distilled":
        columns["teacher"] = measure_ours(pipeline, args.runs, batch_sizes, config.default_steps)
    base = measure_baseline(baseline, max(3, args.runs // 4), batch_sizes[:1])
    ours = columns["ours"]
    ours_counts = pipeline.models.parameter_counts()
    base_counts = baseline.parameter_counts()
    label = (
        f"{device.type}"
        + (
            f", {torch.get_num_threads()} threads"
            if device.type == "cpu"
            else f", {torch.cuda.get_device_name(device)}"
        )
        + (", torch.compile" if args.compile else "")
    )
    print(f"\n## {label}; our weights: {weights}")
    print(
        f"ours: {sampling.steps} {sampling.sampler} steps"
        + (
            f" of one pass (guidance {sampling.guidance} baked in); teacher: U-Net "
            f"{ours_counts['unet']:,} params, {config.default_steps} DDIM steps, guidance "
            f"{config.default_guidance} as one batched forward"
            if sampling.sampler == "distilled"
            else f", guidance {sampling.guidance} as one batched forward"
        )
        + f"; Vocos-style vocoder {ours_counts['vocoder']:,}; VAE {ours_counts['vae']:,}\n"
        f"baseline: U-Net {base_counts['unet']:,} params x2 per step, {BASELINE_STEPS} steps; "
        f"HiFi-GAN {base_counts['vocoder']:,}; same VAE decoder"
    )
    header = ("metric", *columns, "baseline", "baseline / ours")
    rows = [header]
    names = {
        "p50": "p50 per kick (batch 1)",
        "p95": "p95 per kick (batch 1)",
        "cpu": "CPU time per kick, p50 (all threads)",
    }
    keys = ["p50", "p95", *(["cpu"] if device.type == "cpu" else []), *STAGES]
    for key in keys:
        name = names.get(key, f"  stage: {key}")
        cells = [_ms(column[key]) for column in columns.values()]
        rows.append((name, *cells, _ms(base[key]), f"{base[key] / ours[key]:.1f}x"))
    for batch in batch_sizes:
        key = f"throughput@{batch}"
        cells = [f"{column[key]:.1f}" for column in columns.values()]
        if key in base:
            ratio = f"{ours[key] / base[key]:.1f}x (ours faster)"
            rows.append((f"kicks/s at batch {batch}", *cells, f"{base[key]:.1f}", ratio))
        else:
            rows.append((f"kicks/s at batch {batch}", *cells, "-", "-"))
        cells = [f"{column[f'delivery@{batch}'] * 1000:.2f} ms" for column in columns.values()]
        rows.append((f"  of which delivery per kick at batch {batch}", *cells, "-", "-"))
    _print_table(f"Latency and throughput ({label})", rows)
    steps_rows = [("DDIM steps", "p50 per kick", "CPU time per kick")]
    steps_rows += [
        (str(steps), _ms(wall), _ms(cpu))
        for steps, wall, cpu in latency_versus_steps(pipeline, STEP_COUNTS, max(3, args.runs // 4))
    ]
    _print_table(f"Teacher latency versus DDIM steps, batch 1 ({label})", steps_rows)
    preview_cost(pipeline, args.runs)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--model", default=None)
    parser.add_argument("--skip-quality", action="store_true")
    parser.add_argument(
        "--only-device", choices=["cpu", "cuda"], help="only that device's latency tables"
    )
    parser.add_argument("--compile", action="store_true", help="torch.compile the networks")
    parser.add_argument(
        "--data", type=Path, default=None, help="prepared dataset: adds Fréchet distance per steps"
    )
    parser.add_argument("--only-load", action="store_true", help="the worker-under-load table")
    parser.add_argument("--only-previews", action="store_true", help="the live preview table")
    parser.add_argument("--rounds", type=int, default=3, help="worker under load: rounds")
    parser.add_argument("--kicks", type=int, default=4, help="kicks per member and round")
    parser.add_argument(
        "--memory-probe", choices=["bare", "ours", "baseline"], help=argparse.SUPPRESS
    )
    parser.add_argument("--worker-probe", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--members", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker_probe:
        _worker_probe(args.members, args.kicks)
        return
    torch.set_num_threads(args.threads)
    if args.memory_probe:
        _memory_probe(args.memory_probe, args.model, args.threads)
        return

    if args.only_previews:
        preview_cost(_load(args.model, torch.device("cpu"))[0], args.runs)
        return
    if args.only_device:
        run_device(torch.device(args.only_device), args)
        return
    worker_under_load(args.model, args.rounds, args.kicks)
    if args.only_load:
        return

    run_device(torch.device("cpu"), args)
    if torch.cuda.is_available():
        run_device(torch.device("cuda"), args)

    bare, ours, base = (
        _probe(kind, args.model, args.threads) for kind in ("bare", "ours", "baseline")
    )
    _print_table(
        "Peak memory on CPU (process RSS after loading and one kick)",
        [
            ("process", "peak RSS (VmHWM)", "anonymous RSS", "peak over bare import"),
            (
                "import torch + gpu_worker only",
                f"{bare['VmHWM']:.0f} MiB",
                f"{bare['RssAnon']:.0f} MiB",
                "-",
            ),
            (
                "ours",
                f"{ours['VmHWM']:.0f} MiB",
                f"{ours['RssAnon']:.0f} MiB",
                f"+{ours['VmHWM'] - bare['VmHWM']:.0f} MiB",
            ),
            (
                "baseline",
                f"{base['VmHWM']:.0f} MiB",
                f"{base['RssAnon']:.0f} MiB",
                f"+{base['VmHWM'] - bare['VmHWM']:.0f} MiB",
            ),
        ],
    )

    pipeline, weights = _load(args.model, torch.device("cpu"))
    files = [
        DEFAULT_MODEL_PATH / name
        for name in (
            "vae.safetensors",
            "unet.safetensors",
            "keywords.safetensors",
            "vocoder.safetensors",
        )
    ]
    if all(f.is_file() for f in files) and args.model is None:
        print(f"\nshipped weights: {sum(f.stat().st_size for f in files) / 2**20:.1f} MiB")
    if weights.startswith("random") or args.skip_quality:
        print("\n(quality versus steps skipped: it needs trained weights)")
        return
    steps_list = sorted({*STEP_COUNTS, pipeline.config.default_steps})
    distances, variety = quality_versus_steps(pipeline, steps_list, seeds=4)
    rows = [("DDIM steps", "mean |log-mel - 100-step log-mel|", "share of seed-to-seed distance")]
    rows += [
        (str(steps), f"{distance:.4f}", f"{distance / variety:.0%}")
        for steps, distance in distances
    ]
    if args.data is not None:
        frechet, floor = frechet_versus_steps(pipeline, args.data, steps_list)
        fd_rows = [("DDIM steps", "Fréchet distance to held-out", "ratio to the floor")]
        fd_rows += [(str(steps), f"{fd:.3f}", f"{fd / floor:.2f}x") for steps, fd in frechet]
        _print_table(
            f"Fréchet distance versus steps (floor: training vs held-out {floor:.3f})", fd_rows
        )
    _print_table(f"Quality versus steps (guidance {pipeline.config.default_guidance}, CPU)", rows)


if __name__ == "__main__":
    main()
