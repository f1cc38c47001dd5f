"""Shapes of reader comments in Wagtail's API.

Only public fields are listed; moderation data never leaves the server.
"""

from rest_framework import serializers


class PublicCommentSerializer(serializers.Serializer):
    """An approved reader comment as API consumers see it."""

    id = serializers.IntegerField(read_only=True)
    author_name = serializers.CharField(read_only=True)
    body = serializers.CharField(read_only=True)
    posted_at = serializers.DateTimeField(read_only=True)
