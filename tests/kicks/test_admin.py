import pytest

from kicks.models import GeneratedKick, KickGeneration, KickPreferences, OrphanedKickFile

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_site(client, admin_user, make_user):
    member = make_user("techno")
    kick = GeneratedKick.objects.create(
        owner=member, name="AI: Horst", audio=f"{member.pk}/a.wav", prompt="hit house", seed=1
    )
    KickGeneration.objects.create(
        owner=member,
        request_id="r1",
        prompt="hit house",
        seed=1,
        quota_day="2026-01-01",
        status=KickGeneration.Status.SUCCEEDED,
        kick=kick,
    )
    KickGeneration.objects.create(
        owner=member,
        request_id="r2",
        prompt="hit house",
        seed=2,
        quota_day="2026-01-01",
        status=KickGeneration.Status.FAILED,
        failure=KickGeneration.Failure.UNAVAILABLE,
    )
    OrphanedKickFile.objects.create(path="1/gone.wav", error="503")
    GeneratedKick.objects.create(
        owner=member,
        name="AI: Gisela",
        audio=f"{member.pk}/b.wav",
        prompt="hit house",
        seed=2,
        made_from=GeneratedKick.Origin.KICK,
        parent=kick,
        parent_name=kick.name,
        strength=0.4,
    )
    KickPreferences.objects.create(owner=member, words=["punchy", "techno"])
    client.force_login(admin_user)
    return member


@pytest.mark.parametrize(
    ("url", "shown", "hidden"),
    [
        ("/admin/kicks/generatedkick/?owner__id__exact={owner}", "AI: Horst", None),
        ("/admin/kicks/kickgeneration/?status__exact=failed", "r2", "r1"),
        (
            "/admin/kicks/kickgeneration/?owner__id__exact={owner}&status__exact=succeeded",
            "r1",
            "r2",
        ),
        ("/admin/kicks/orphanedkickfile/", "1/gone.wav", None),
        ("/admin/kicks/generatedkick/?made_from__exact=kick", "AI: Gisela", "AI: Horst"),
        ("/admin/kicks/kickpreferences/", "punchy", None),
    ],
)
def test_kicks_and_generations_are_browsable_by_user_and_status(
    client, admin_site, url, shown, hidden
):
    response = client.get(url.format(owner=admin_site.pk))

    assert response.status_code == 200
    content = response.content.decode()
    assert shown in content
    if hidden:
        assert f">{hidden}<" not in content
