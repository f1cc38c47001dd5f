"""A person's data: export and erasure on request, retention, notice.

One service for the admin's "Personal data" view, the
``comment_personal_data`` command and the retention task alike:

- :mod:`.sources`: every kind of record that holds a person's data, each
  able to export and to erase it (comments, tombstones; reports and reply
  opt-ins add theirs there);
- :mod:`.export`: :func:`export_personal_data`, as JSON or CSV;
- :mod:`.erasure`: :func:`erase_personal_data`, which anonymises and keeps
  conversations whole;
- :mod:`.retention`: :func:`prune_personal_data`, which clears old IP
  addresses and user agents (:func:`prune_client_data`) and deletes what
  else ages out;
- :mod:`.notice`: the privacy policy link of the comment form;
- :mod:`.data_requests`: a person's request, recorded by a moderator,
  confirmed by the person, then answered; :mod:`.links` emails them the
  signed links (confirm, download the export) that :mod:`.views` serves at
  the URLs of :mod:`.urls`, which a site includes.
"""

from .erasure import ErasureResult, erase_personal_data
from .errors import InvalidEmail, PersonalDataError
from .export import PersonalData, export_personal_data
from .retention import (
    PersonalDataPruned,
    PruneResult,
    prune_client_data,
    prune_personal_data,
)

__all__ = [
    "ErasureResult",
    "InvalidEmail",
    "PersonalData",
    "PersonalDataError",
    "PersonalDataPruned",
    "PruneResult",
    "erase_personal_data",
    "export_personal_data",
    "prune_client_data",
    "prune_personal_data",
]
