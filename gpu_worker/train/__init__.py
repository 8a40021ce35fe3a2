"""Training of the kick generator: `python -m gpu_worker.train --help`."""
