"""`python -m gpu_worker publish --repo-id OWNER/NAME [--path FOLDER]`: upload a model folder to the
Hugging Face Hub, from where `KickPipeline.from_pretrained("OWNER/NAME")` and the Modal worker load
it. Only the files the loader reads (and the model card) are uploaded; the token comes from
--token, HF_TOKEN or `huggingface-cli login`. It prints the pinned id `OWNER/NAME@COMMIT` to put
in the settings, so that loading never asks the Hub which commit a branch points to."""

from __future__ import annotations

import argparse
from pathlib import Path

from huggingface_hub import CommitInfo, HfApi

from gpu_worker import DEFAULT_MODEL_PATH
from gpu_worker.weights import MODEL_FOLDER_FILES, resolve_model_folder


def publish_model(
    folder: Path,
    repo_id: str,
    *,
    token: str | None = None,
    private: bool = False,
    revision: str | None = None,
    commit_message: str = "Upload kick generator weights",
) -> CommitInfo:
    """Checks that `folder` is a complete model folder, then uploads it (to `revision`, a branch
    created from main when it does not exist yet); returns the commit."""
    checked = resolve_model_folder(folder)
    api = HfApi(token=token)
    api.create_repo(repo_id, repo_type="model", private=private, exist_ok=True)
    if revision is not None:
        # upload_folder commits only to an existing branch.
        api.create_branch(repo_id, branch=revision, repo_type="model", exist_ok=True)
    return api.upload_folder(
        repo_id=repo_id,
        folder_path=checked,
        repo_type="model",
        revision=revision,
        commit_message=commit_message,
        allow_patterns=list(MODEL_FOLDER_FILES),
    )


def add_publish_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("publish", help="upload a model folder to the Hugging Face Hub")
    parser.add_argument("--repo-id", required=True, help="OWNER/NAME of the Hub model repo")
    parser.add_argument(
        "--path",
        type=Path,
        default=DEFAULT_MODEL_PATH,
        help="model folder (default: the shipped weights)",
    )
    parser.add_argument("--token", default=None, help="Hub token (default: HF_TOKEN or login)")
    parser.add_argument("--private", action="store_true", help="create the repo as private")
    parser.add_argument(
        "--revision", default=None, help="branch to commit to (created when missing)"
    )
    parser.set_defaults(handler=publish)


def publish(args: argparse.Namespace) -> int:
    commit = publish_model(
        args.path, args.repo_id, token=args.token, private=args.private, revision=args.revision
    )
    print(f"published {args.path} to {args.repo_id}: {commit.commit_url}")
    print(f"pinned: {args.repo_id}@{commit.oid} (for KICKGEN_MODEL or KICK_MODEL)")
    return 0
