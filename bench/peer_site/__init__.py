"""A throwaway Wagtail app whose article pages take django-comments-xtd comments."""
