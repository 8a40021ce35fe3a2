"""Static files (and the built app at the site root) through ServeStatic's async middleware."""

from __future__ import annotations

from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from servestatic.middleware import ServeStaticMiddleware
from servestatic.responders import MissingFileError


class StaticFilesMiddleware(ServeStaticMiddleware):
    """ServeStatic, answering a static URL with no file behind it 404 in DEBUG as well, and
    honouring SERVESTATIC_IMMUTABLE_FILE_TEST.

    ServeStatic raises in DEBUG (a 500 listing the finders' folders), which would turn a
    stale or mistyped sample URL into a server error instead of "not found"; and its
    middleware only knows Django's manifest names as immutable, not our hashed sample names.
    """

    def immutable_file_test(self, path: str, url: str) -> bool:
        user_test = self.user_immutable_file_test
        if user_test is not None and user_test.search(url):
            return True
        return super().immutable_file_test(path, url)

    async def __call__(self, request: HttpRequest) -> HttpResponseBase:
        try:
            return await super().__call__(request)
        except MissingFileError as error:
            raise Http404(str(error)) from None
