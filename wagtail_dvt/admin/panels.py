"""The page editor's Comments tab."""

from modelcluster.forms import BaseChildFormSet
from wagtail.admin.panels import InlinePanel


class ReaderCommentFormSet(BaseChildFormSet):
    """The page editor's comment forms, tolerant of comments deleted meanwhile.

    A moderator may delete a comment while an editor has the page open. Its
    form then names a comment that no longer exists, which a plain formset
    rejects with an error on a hidden field: the editor could not save, nor
    see why. Such forms count as deleted instead; the comment stays deleted.
    """

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        if self.is_bound and i < self.initial_form_count():
            submitted_pk = self.data.get(
                f"{self.add_prefix(i)}-{self.model._meta.pk.name}"
            )
            form.vanished = bool(submitted_pk) and form.instance.pk is None
        return form

    def _should_delete_form(self, form):
        return getattr(form, "vanished", False) or super()._should_delete_form(form)


class ReaderCommentsPanel(InlinePanel):
    """An InlinePanel for reader comments, with :class:`ReaderCommentFormSet`."""

    def get_form_options(self):
        options = super().get_form_options()
        options["formsets"][self.relation_name]["formset"] = ReaderCommentFormSet
        return options
