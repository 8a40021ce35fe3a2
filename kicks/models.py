from __future__ import annotations

import uuid

from django.conf import settings
from django.core.files.storage import Storage, storages
from django.db import models


def kicks_storage() -> Storage:
    return storages["kicks"]


def kick_audio_path(kick: GeneratedKick, filename: str) -> str:
    return f"{kick.owner_id}/{kick.uuid}.wav"


class GeneratedKick(models.Model):
    """A kick drum generated for a member, stored as a WAV in the `kicks` storage."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="generated_kicks"
    )
    name = models.CharField(max_length=64)
    audio = models.FileField(upload_to=kick_audio_path, storage=kicks_storage, max_length=255)
    prompt = models.CharField(max_length=200)
    seed = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="unique_kick_name_per_owner"),
        ]

    def __str__(self) -> str:
        return self.name


class KickGeneration(models.Model):
    """One generateKick request: the unit that quotas, idempotency and auditing count."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="kick_generations"
    )
    request_id = models.CharField(max_length=64)
    prompt = models.CharField(max_length=200)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    error = models.TextField(blank=True)
    kick = models.ForeignKey(
        GeneratedKick, null=True, blank=True, on_delete=models.SET_NULL, related_name="generations"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "request_id"], name="unique_generation_request_per_owner"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.owner_id}:{self.request_id} ({self.status})"
