"""The readers' comment path: the form, the admission rules every comment
passes (form and API alike), moderators' notifications and the page's view.
"""
