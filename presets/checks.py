from typing import Any

from django.core import checks

from presets.sample_library import SampleLibraryNotBuilt, built_samples


@checks.register(checks.Tags.staticfiles)
def stock_library_is_built(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    """Without the built library the `samples` query fails and the DAW has no sounds."""
    try:
        built_samples()
    except SampleLibraryNotBuilt as error:
        return [checks.Warning(str(error), hint="Run `make samples`.", id="presets.W001")]
    return []
