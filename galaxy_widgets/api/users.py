"""The user behind the API key."""

from __future__ import annotations

from ..records import User
from ._base import Resource


class Users(Resource):
    def current(self) -> User:
        """The user the key belongs to (raises AuthenticationError on a bad key)."""
        data = self._gi.get("users/current", what="Current user")
        if not data or not data.get("id"):
            from ..errors import AuthenticationError

            raise AuthenticationError(
                401,
                "GET",
                f"{self._gi.api_url}/users/current",
                "anonymous: the key did not log in",
                what="Current user",
            )
        return User.from_api(data)
