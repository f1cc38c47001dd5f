"""The readers' comment path: the form, the admission rules every comment
passes (form and API alike), moderators' batched notifications and the page's
view, with pure helpers for readers' text (``text``) and links (``links``).
"""
